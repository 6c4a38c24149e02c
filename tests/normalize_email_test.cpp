// E-mail addresses: known-answer tables for pii-formats.md §6 and §9.6.
#include "normalize_helpers.h"

using leakdex::Attribute;
using leakdex::NormOutcome;
using namespace leakdex::testing;

TEST_CASE("email: case, wrappers, trailing dots and spaces", "[normalize]") {
  ExpectGroup(Attribute::kEmail, "zhang.san@example.com",
              {"zhang.san@example.com", "Zhang.San@Example.COM", "  zhang.san@example.com  ",
               "mailto:zhang.san@example.com", "MAILTO:Zhang.San@example.com", "<zhang.san@example.com>",
               "张三 <zhang.san@example.com>", "zhang.san@example.com.", "ｚｈａｎｇ．ｓａｎ＠ｅｘａｍｐｌｅ．ｃｏｍ",
               "\"zhang.san@example.com\"", "zhang.san@example.com;"});
}

TEST_CASE("email: Gmail dots and +tags fold, other providers do not", "[normalize]") {
  ExpectGroup(Attribute::kEmail, "zhangsan@gmail.com",
              {"zhangsan@gmail.com", "zhang.san@gmail.com", "Zhang.San+shopping@Gmail.com",
               "z.h.a.n.g.s.a.n@googlemail.com", "zhangsan+x@googlemail.com"});
  CHECK(Canon(Attribute::kEmail, "zhang.san@163.com") != Canon(Attribute::kEmail, "zhangsan@163.com"));
  CHECK(Canon(Attribute::kEmail, "zhangsan+tag@163.com") == "zhangsan+tag@163.com");
  CHECK(Canon(Attribute::kEmail, "12345678@vip.qq.com") != Canon(Attribute::kEmail, "12345678@qq.com"));
  CHECK(Canon(Attribute::kEmail, "zhangsan@163.com") != Canon(Attribute::kEmail, "zhangsan@126.com"));
  CHECK(Canon(Attribute::kEmail, "13812345678@139.com") == "13812345678@139.com");
}

TEST_CASE("email: internationalised domains use the A-label", "[normalize]") {
  ExpectGroup(Attribute::kEmail, "user@xn--fiqs8s.xn--fiqs8s", {"user@中国.中国", "USER@xn--fiqs8s.xn--fiqs8s"});
  ExpectGroup(Attribute::kEmail, "info@xn--mller-kva.de", {"info@müller.de", "Info@MÜLLER.de", "info@xn--mller-kva.de"});
}

TEST_CASE("email: invalid, masked and placeholder values", "[normalize]") {
  for (const char* raw : {"zhangsan", "zhangsan@", "@example.com", "zhang san@example.com", "a@b", "a@@b.com",
                          "a@b..com", ".a@b.com", "a..b@c.com", "a@-", "张三@163.com"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kEmail, raw) == Outcome(NormOutcome::kInvalid));
  }
  CHECK(Canon(Attribute::kEmail, "zh***@163.com") == Outcome(NormOutcome::kMasked));
  for (const char* raw : {"-", "0", "00", "NULL", "无"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kEmail, raw) == Outcome(NormOutcome::kPlaceholder));
  }
  CHECK(Canon(Attribute::kEmail, " ") == Outcome(NormOutcome::kAbsent));
}
