// normalize_bench: nanoseconds per value for each attribute kind, and for phones
// the fast path against the libphonenumber path. Synthetic values only.
//
//   ./build/bench/normalize_bench [--quick]
//   ./build/bench/normalize_bench --addresses FILE   (FILE: NUL- or newline-separated
//       addresses, e.g. from tests/address_corpus.py): CPU ns per address of the
//       address normaliser and of the pre-rewrite reference (tests/address_reference.cpp),
//       measured alternately in the same run, and whether every result agrees.
//       A third argument --new-only times the new code alone (for perf record).
//   ./build/bench/normalize_bench --csv FILE COLUMN [--new-only]
//       the same on every value of one column (0-based) of a CSV file with a
//       header row (RFC 4180 quoting), e.g. the address column of a generated
//       customer list (data/gen/generate.py): the real mix of shapes.
//
// Prints a Markdown table (docs/BENCHMARKS.md "## Normaliser" holds a copy).
// Figures are CPU nanoseconds of the measuring thread per value, single thread.
#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "leakdex/normalize.h"
#include "address_reference.h"
#include "normalize/internal.h"
#include "split_mix.h"

namespace {

using leakdex::Attribute;
using Clock = std::chrono::steady_clock;

using Rng = leakdex::testing::SplitMix64;

std::vector<std::string> Mobiles(Rng& r, size_t n, const char* fmt) {
  static const char* const kPrefixes[] = {"138", "139", "135", "186", "187", "150", "151", "158", "177", "189", "199", "133"};
  std::vector<std::string> v;
  for (size_t i = 0; i < n; ++i) {
    std::string d = kPrefixes[r.Below(12)];
    while (d.size() < 11) d.push_back(static_cast<char>('0' + r.Below(10)));
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, d.substr(0, 3).c_str(), d.substr(3, 4).c_str(), d.substr(7, 4).c_str());
    v.push_back(buf);
  }
  return v;
}

std::vector<std::string> Pick(Rng& r, size_t n, const std::vector<std::string>& pool) {
  std::vector<std::string> v;
  for (size_t i = 0; i < n; ++i) v.push_back(pool[r.Below(static_cast<uint32_t>(pool.size()))]);
  return v;
}

std::string IdNumber(Rng& r, bool legacy) {
  static const char* const kAreas[] = {"110105", "310115", "330106", "440305", "510107", "320102"};
  std::string body = kAreas[r.Below(6)];
  char date[16];
  std::snprintf(date, sizeof date, "%04u%02u%02u", legacy ? 1930 + r.Below(60) : 1950 + r.Below(60),
                1 + r.Below(12), 1 + r.Below(28));
  if (legacy) {
    body += std::string(date).substr(2);
    for (int i = 0; i < 3; ++i) body.push_back(static_cast<char>('0' + r.Below(10)));
    return body;
  }
  body += date;
  for (int i = 0; i < 3; ++i) body.push_back(static_cast<char>('0' + r.Below(10)));
  body.push_back(leakdex::norm::IdCheckChar(body));
  return body;
}

// CPU time of this thread: on a shared, loaded machine wall time also counts the
// time other processes had the core.
int64_t ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Runs fn over values for at least min_ms of CPU; returns CPU ns per value.
double Measure(const std::vector<std::string>& values, const std::function<void(const std::string&)>& fn, int min_ms) {
  for (const auto& v : values) fn(v);  // warm-up (caches, lazy tables)
  size_t done = 0;
  const int64_t start = ThreadCpuNs();
  int64_t elapsed = 0;
  do {
    for (const auto& v : values) fn(v);
    done += values.size();
    elapsed = ThreadCpuNs() - start;
  } while (elapsed < int64_t{min_ms} * 1'000'000);
  return static_cast<double>(elapsed) / static_cast<double>(done);
}

// Values of a NUL- or newline-separated file.
std::vector<std::string> SeparatedValues(const std::string& all) {
  const char sep = all.find('\0') != std::string::npos ? '\0' : '\n';
  std::vector<std::string> values;
  for (size_t start = 0; start < all.size();) {
    size_t end = all.find(sep, start);
    if (end == std::string::npos) end = all.size();
    values.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  return values;
}

// Column `column` (0-based) of every record after the header of a CSV text
// (RFC 4180: quoted fields, "" inside quotes, line breaks inside quotes).
std::vector<std::string> CsvColumn(const std::string& all, size_t column) {
  std::vector<std::string> values;
  std::string field;
  size_t index = 0;
  bool header = true, quoted = false, record_has_data = false;
  auto end_field = [&] {
    if (index == column && !header) values.push_back(field);
    field.clear();
    ++index;
  };
  for (size_t i = 0; i < all.size(); ++i) {
    const char c = all[i];
    if (quoted) {
      if (c != '"') field.push_back(c);
      else if (i + 1 < all.size() && all[i + 1] == '"') field.push_back('"'), ++i;
      else quoted = false;
      continue;
    }
    if (c == '"') { quoted = record_has_data = true; continue; }
    if (c == ',') { end_field(); record_has_data = true; continue; }
    if (c == '\r') continue;
    if (c == '\n') {
      if (record_has_data || !field.empty()) end_field();
      header = false, index = 0, record_has_data = false;
      continue;
    }
    field.push_back(c);
    record_has_data = true;
  }
  if (record_has_data || !field.empty()) end_field();
  return values;
}

// --addresses FILE / --csv FILE COLUMN: the address normaliser against the
// reference, same run. new_only: time the new code alone (for a profiler), no comparison.
int AddressFile(const char* path, const char* csv_column, bool new_only) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "normalize_bench: cannot open the address file\n");
    return 66;
  }
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::vector<std::string> values =
      csv_column ? CsvColumn(all, std::strtoul(csv_column, nullptr, 10)) : SeparatedValues(all);
  auto t2s = leakdex::norm::T2s::Create();
  if (!t2s.ok()) return 70;
  leakdex::norm::T2s& conv = *t2s.value();
  std::vector<std::string> a, b;
  size_t differ = 0, ok = 0;
  if (new_only) {
    double f = Measure(values, [&](const std::string& v) { a.clear(); leakdex::norm::NormalizeAddress(v, conv, a); }, 3000);
    std::printf("%zu addresses, new code only: %.0f ns/address\n", values.size(), f);
    return 0;
  }
  for (const auto& v : values) {
    a.clear(), b.clear();
    auto oa = leakdex::norm::NormalizeAddress(v, conv, a);
    auto ob = leakdex::norm::reference::NormalizeAddress(v, conv, b);
    differ += oa != ob || a != b;
    ok += oa == leakdex::NormOutcome::kOk;
  }
  auto fast = [&](const std::string& v) { a.clear(); leakdex::norm::NormalizeAddress(v, conv, a); };
  auto ref = [&](const std::string& v) { b.clear(); leakdex::norm::reference::NormalizeAddress(v, conv, b); };
  std::printf("%zu addresses (%zu ok), %zu results differ between new and reference\n", values.size(), ok, differ);
  std::printf("| round | reference ns/address | new ns/address | speed-up |\n|---|---:|---:|---:|\n");
  for (int round = 1; round <= 3; ++round) {
    double r = Measure(values, ref, 1000);
    double f = Measure(values, fast, 1000);
    std::printf("| %d | %.0f | %.0f | %.1fx |\n", round, r, f, r / f);
    std::fflush(stdout);
  }
  return differ == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::strcmp(argv[1], "--addresses") == 0)
    return AddressFile(argv[2], nullptr, argc > 3 && std::strcmp(argv[3], "--new-only") == 0);
  if (argc > 3 && std::strcmp(argv[1], "--csv") == 0)
    return AddressFile(argv[2], argv[3], argc > 4 && std::strcmp(argv[4], "--new-only") == 0);
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const int min_ms = quick ? 100 : 1000;
  const size_t n = 4096;
  Rng r{42};

  auto t0 = Clock::now();
  auto created = leakdex::Normalizer::Create(leakdex::NormalizeOptions{});
  auto t1 = Clock::now();
  if (!created.ok()) {
    std::fprintf(stderr, "normalize_bench: %s\n", created.status().ToString().c_str());
    return 70;
  }
  {
    auto again = leakdex::Normalizer::Create(leakdex::NormalizeOptions{});
    auto t2 = Clock::now();
    size_t marked = 0;
    for (char32_t c = 0; c < 0x40000; ++c) marked += leakdex::norm::T2s::MayChange(c);
    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    std::printf("Normalizer::Create: first in process %.1f ms, next %.1f ms; t2s pre-check marks %zu code points\n\n",
                ms(t1 - t0), ms(t2 - t1), marked);
  }
  leakdex::Normalizer& norm = *created.value();
  leakdex::norm::PhoneNormalizer phone("CN");
  std::vector<std::string> out;
  out.reserve(8);

  auto via = [&](Attribute a) {
    return [&, a](const std::string& v) {
      out.clear();
      norm.Normalize(a, v, out);
    };
  };
  auto library_only = [&](const std::string& v) {
    out.clear();
    phone.Normalize(v, out, /*use_fast_path=*/false);
  };

  struct Row {
    const char* field;
    const char* input;
    const char* example;
    std::vector<std::string> values;
    std::function<void(const std::string&)> fn;
  };
  std::vector<Row> rows;
  rows.push_back({"phone", "plain mobile, fast path", "13812345678", Mobiles(r, n, "%s%s%s"), via(Attribute::kPhone)});
  rows.push_back({"phone", "formatted mobile, fast path", "+86 138-1234-5678", Mobiles(r, n, "+86 %s-%s-%s"), via(Attribute::kPhone)});
  rows.push_back({"phone", "full-width mobile, fast path", "１３８１２３４５６７８",
                  Pick(r, n, {"１３８１２３４５６７８", "１３９８７６５４３２１", "１８６１０００２２２３"}), via(Attribute::kPhone)});
  rows.push_back({"phone", "plain mobile, libphonenumber only", "13812345678", Mobiles(r, n, "%s%s%s"), library_only});
  rows.push_back({"phone", "formatted mobile, libphonenumber only", "+86 138-1234-5678", Mobiles(r, n, "+86 %s-%s-%s"), library_only});
  rows.push_back({"phone", "labelled mobile (slow path)", "手机：13812345678", Mobiles(r, n, "手机：%s%s%s"), via(Attribute::kPhone)});
  rows.push_back({"phone", "landline (library)", "021-5555-1234",
                  Pick(r, n, {"021-5555-1234", "010-8765-4321", "0571-8888-1234", "(020)83334444"}), via(Attribute::kPhone)});
  rows.push_back({"phone", "masked", "138****5678", Pick(r, n, {"138****5678", "139****1234"}), via(Attribute::kPhone)});
  {
    std::vector<std::string> ids, legacy;
    for (size_t i = 0; i < n; ++i) ids.push_back(IdNumber(r, false)), legacy.push_back(IdNumber(r, true));
    rows.push_back({"id_number", "18 characters", "11010519491231002X", ids, via(Attribute::kIdNumber)});
    rows.push_back({"id_number", "15-digit legacy", "110105491231002", legacy, via(Attribute::kIdNumber)});
  }
  const std::vector<std::string> simplified = {"王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴强",
                                               "徐明", "孙丽娟", "胡建国", "朱晓明", "高志强", "林小红", "何雪", "郭靖", "马丽", "罗志祥"};
  rows.push_back({"name", "simplified Chinese", "王伟", Pick(r, n, simplified), via(Attribute::kName)});
  rows.push_back({"name", "traditional Chinese (t2s)", "劉德華", Pick(r, n, {"劉德華", "王偉", "張學友", "陳奕迅", "黃麗"}), via(Attribute::kName)});
  rows.push_back({"name", "minority name with middle dot", "买买提·艾力", Pick(r, n, {"买买提·艾力", "阿不都•热合曼", "古丽・努尔"}), via(Attribute::kName)});
  rows.push_back({"name", "Latin", "Wang Wei", Pick(r, n, {"Wang Wei", "ZHANG San", "Li Na", "José O'Brien"}), via(Attribute::kName)});
  rows.push_back({"address", "Shanghai lane address", "上海市浦东新区张杨路123弄4号501室",
                  Pick(r, n, {"上海市浦东新区张杨路123弄4号501室", "上海浦东张杨路88弄12号1201", "上海市徐汇区漕溪北路100弄3号602室"}), via(Attribute::kAddress)});
  rows.push_back({"address", "province/city/district", "浙江省杭州市西湖区文三路100号",
                  Pick(r, n, {"浙江省杭州市西湖区文三路100号", "广东省深圳市南山区科技园路1号3栋2单元501", "北京市朝阳区望京西园3号楼2单元501"}), via(Attribute::kAddress)});
  rows.push_back({"email", "plain", "Zhang.San@Example.com", Pick(r, n, {"Zhang.San@Example.com", "12345678@qq.com", "li.si+shop@gmail.com"}), via(Attribute::kEmail)});
  rows.push_back({"birth_date", "mixed formats", "1990-5-2", Pick(r, n, {"19900502", "1990-5-2", "1990年5月2日", "1990/05/02"}), via(Attribute::kBirthDate)});

  std::printf("| field | input | example | ns/value |\n|---|---|---|---:|\n");
  for (const Row& row : rows) {
    double ns = Measure(row.values, row.fn, min_ms);
    std::printf("| %s | %s | `%s` | %.0f |\n", row.field, row.input, row.example, ns);
    std::fflush(stdout);
  }
  return 0;
}
