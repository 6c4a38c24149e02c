// Addresses: known-answer tables for pii-formats.md §5.2-§5.3 and §9.5.
#include "normalize_helpers.h"

using leakdex::Attribute;
using leakdex::NormOutcome;
using namespace leakdex::testing;

TEST_CASE("address: country, province, city prefixes fold (Shanghai)", "[normalize]") {
  ExpectGroup(Attribute::kAddress, "上海市浦东新区张杨路123弄4栋501室",
              {"上海市浦东新区张杨路123弄4号501室", "上海浦东张杨路123弄4号501", "上海市浦东新区张杨路123弄4号501",
               "中国上海市上海市浦东新区张杨路123弄4号501室", "上海市市辖区浦东新区张杨路123弄4号501室",
               "中华人民共和国上海市浦东新区张杨路123弄4号501室", "浦东新区张杨路123弄4号501室",
               "上海市 浦东新区 张杨路 123弄 4号 501室", "上海市南汇区张杨路123弄4号501室",
               "上海市浦東新區張楊路123弄4號501室", "上海市浦东新区张杨路一百二十三弄四号五〇一室",
               "上海市浦东新区张杨路１２３弄４号５０１室", "上海市浦东新区张杨路123弄4号501室（放快递柜）",
               "上海市浦东新区张杨路123弄4号501室放快递柜", "上海市浦东新区张杨路123弄4号楼501室",
               "上海市浦东新区张杨路123弄4栋501房", "上海市浦东新区张杨路123弄4号5楼501室",
               "上海市浦东新区张杨路123弄第4号501室", "上海市浦东新区，张杨路123弄4号501室。",
               "上海市浦东新区张杨路123弄4号0501室", "上海市浦东新区张杨路123弄4-501"});
}

TEST_CASE("address: abolished districts resolve to their successors", "[normalize]") {
  CHECK(Canon(Attribute::kAddress, "上海市闸北区共和新路100号") == Canon(Attribute::kAddress, "上海市静安区共和新路100号"));
  CHECK(Canon(Attribute::kAddress, "闸北区共和新路100号") == "上海市静安区共和新路100号");
  CHECK(Canon(Attribute::kAddress, "上海市卢湾区淮海中路100号") == "上海市黄浦区淮海中路100号");
  CHECK(Canon(Attribute::kAddress, "北京市宣武区广安门内大街1号") == "北京市西城区广安门内大街1号");
  CHECK(Canon(Attribute::kAddress, "北京崇文区天坛路1号") == "北京市东城区天坛路1号");
  CHECK(Canon(Attribute::kAddress, "天津市塘沽区新港路1号") == "天津市滨海新区新港路1号");
  CHECK(Canon(Attribute::kAddress, "湖北省襄樊市人民路1号") == "湖北省襄阳市人民路1号");
  CHECK(Canon(Attribute::kAddress, "上海市崇明县城桥镇1号") == "上海市崇明区城桥镇1号");
}

TEST_CASE("address: buildings, units and rooms (Beijing style)", "[normalize]") {
  ExpectGroup(Attribute::kAddress, "北京市朝阳区望京西园3栋2单元501室",
              {"北京市朝阳区望京西园3号楼2单元501", "北京市朝阳区望京西园3栋2单元501室", "北京市朝阳区望京西园3幢2单元501房",
               "北京朝阳区望京西园3-2-501", "北京市朝阳区望京西园三号楼二单元五零一室", "北京市朝阳区望京西园3号楼2单元5层501室",
               "北京市朝阳区望京西园3#2单元501", "北京市朝阳区望京西园3号楼2单元501户", "北京市北京市朝阳区望京西园3号楼2单元501"});
}

TEST_CASE("address: provinces and cities with and without suffixes", "[normalize]") {
  ExpectGroup(Attribute::kAddress, "浙江省杭州市西湖区文三路100号",
              {"浙江省杭州市西湖区文三路100号", "浙江杭州西湖区文三路100号", "杭州市西湖区文三路100号",
               "中国浙江省杭州市西湖区文三路100号", "浙江省杭州市西湖区文三路100", "浙江省 杭州市 西湖区 文三路 100号",
               "浙江省杭州市杭州市西湖区文三路100号", "浙江省杭州市西湖区文三路一百号", "浙江省杭州市西湖区文三路100号311121"});
  ExpectGroup(Attribute::kAddress, "广西壮族自治区南宁市青秀区民族大道1号",
              {"广西壮族自治区南宁市青秀区民族大道1号", "广西南宁市青秀区民族大道1号", "南宁市青秀区民族大道1号", "广西南宁青秀区民族大道1号"});
  ExpectGroup(Attribute::kAddress, "吉林省吉林市船营区北京路1号", {"吉林省吉林市船营区北京路1号", "吉林市船营区北京路1号"});
  ExpectGroup(Attribute::kAddress, "新疆维吾尔自治区喀什地区喀什市人民路1号",
              {"新疆喀什地区喀什市人民路1号", "新疆维吾尔自治区喀什地区喀什市人民路1号"});
}

TEST_CASE("address: one-line delivery strings and notes", "[normalize]") {
  ExpectGroup(Attribute::kAddress, "浙江省杭州市萧山区金城路1号",
              {"张三 13812345678 浙江省杭州市萧山区金城路1号 311121", "浙江省杭州市萧山区金城路1号311121",
               "311121 浙江省杭州市萧山区金城路1号", "浙江省杭州市萧山区金城路1号（周末送）", "浙江省杭州市萧山区金城路1号 电话联系",
               "浙江省杭州市萧山区金城路1号，送货前请打电话", "張三 138-1234-5678 浙江省杭州市蕭山區金城路1號"});
}

TEST_CASE("address: what must not match", "[normalize]") {
  // 朝阳区 exists in Beijing and in Changchun: without a city it is not guessed.
  CHECK(Canon(Attribute::kAddress, "朝阳区建国路1号") == "朝阳区建国路1号");
  CHECK(Canon(Attribute::kAddress, "朝阳区建国路1号") != Canon(Attribute::kAddress, "北京市朝阳区建国路1号"));
  CHECK(Canon(Attribute::kAddress, "长春市朝阳区建国路1号") == "吉林省长春市朝阳区建国路1号");
  CHECK(Canon(Attribute::kAddress, "长春市朝阳区建国路1号") != Canon(Attribute::kAddress, "北京市朝阳区建国路1号"));
  // A county-level city is not its prefecture: 大理市 is not 大理州 (no guessing either way).
  CHECK(Canon(Attribute::kAddress, "大理市人民路1号") == "大理市人民路1号");
  CHECK(Canon(Attribute::kAddress, "云南省大理市人民路1号") == "云南省大理市人民路1号");
  CHECK(Canon(Attribute::kAddress, "喀什市人民路1号") == "喀什市人民路1号");
  // Street names that look like places are not read as places.
  CHECK(Canon(Attribute::kAddress, "南京东路100号") == "南京东路100号");
  CHECK(Canon(Attribute::kAddress, "上海市黄浦区南京东路100号") == "上海市黄浦区南京东路100号");
  CHECK(Canon(Attribute::kAddress, "四川北路100号") == "四川北路100号");
  CHECK(Canon(Attribute::kAddress, "江西路1号") == "江西路1号");
  // Different rooms, buildings and lanes stay different.
  CHECK(Canon(Attribute::kAddress, "上海市浦东新区张杨路123弄4号501室") !=
        Canon(Attribute::kAddress, "上海市浦东新区张杨路123弄4号502室"));
  CHECK(Canon(Attribute::kAddress, "上海市浦东新区张杨路123弄4号501室") !=
        Canon(Attribute::kAddress, "上海市浦东新区张杨路123弄5号501室"));
  CHECK(Canon(Attribute::kAddress, "上海市浦东新区张杨路123弄4号501室") !=
        Canon(Attribute::kAddress, "上海市浦东新区张杨路124弄4号501室"));
  // English / pinyin addresses are kept apart from Chinese ones.
  CHECK(Canon(Attribute::kAddress, "Room 501, No. 4, Lane 123, Zhangyang Road, Pudong, Shanghai") ==
        "room 501 no 4 lane 123 zhangyang road pudong shanghai");
}

TEST_CASE("address: masked, placeholders, too coarse", "[normalize]") {
  CHECK(Canon(Attribute::kAddress, "上海市浦东新区****") == Outcome(NormOutcome::kMasked));
  CHECK(Canon(Attribute::kAddress, "上海市浦东新区张杨路***号") == Outcome(NormOutcome::kMasked));
  for (const char* raw : {"-", "无", "NULL", "不详", "同上"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kAddress, raw) == Outcome(NormOutcome::kPlaceholder));
  }
  for (const char* raw : {"上海市", "上海市浦东新区", "中国", "浙江省杭州市"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kAddress, raw) == Outcome(NormOutcome::kInvalid));
  }
  CHECK(Canon(Attribute::kAddress, "") == Outcome(NormOutcome::kAbsent));
  CHECK(Canon(Attribute::kAddress, "上海市\xEF\xBF\xBD路") == Outcome(NormOutcome::kBadEncoding));
  CHECK(Canon(Attribute::kAddress, "ÉÏº£ÊÐÆÖ¶«ÐÂÇø") != Canon(Attribute::kAddress, "上海市浦东新区张杨路1号"));
}
