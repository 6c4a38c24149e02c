// Differential test: the phone fast path against libphonenumber.
//
// 1,000,000 generated inputs of mixed shapes (deterministic SplitMix64). For each:
//  1. the full phone rules with the fast path give exactly what they give with
//     every number sent through libphonenumber (outcome and forms); checked on
//     every input that yields a form (one that yields none used no fast answer);
//  2. wherever PhoneFastPath answers, libphonenumber alone (Parse with region CN,
//     IsValidNumber, Format E164) on the same raw text gives the same E.164.
// Runs on two threads (PhoneNumberUtil is thread-safe; each thread has its own
// PhoneNormalizer). About 20-40 s in a Release build on 2 cores.
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "normalize/internal.h"
#include "normalize_helpers.h"
#include "split_mix.h"

namespace {

using leakdex::NormOutcome;
using leakdex::norm::PhoneFastPath;
using leakdex::norm::PhoneNormalizer;

using Rng = leakdex::testing::SplitMix64;

void AppendDigit(Rng& r, std::string& out, char d, bool fullwidth_allowed) {
  if (fullwidth_allowed && r.Chance(15)) {
    out += "\xEF\xBC";
    out.push_back(static_cast<char>(0x90 + (d - '0')));
  } else {
    out.push_back(d);
  }
}

const char* const kSeparators[] = {" ", "-", ".", "(", ")", "\t", "\xE3\x80\x80" /* U+3000 */,
                                   "\xEF\xBC\x8D" /* － */, "\xEF\xBC\x88" /* （ */,
                                   "\xEF\xBC\x89" /* ） */, "  ", "--", " - ", "/"};
const char* const kPrefixes[] = {"", "", "", "", "+86", "+86 ", "+86-", "0086", "0086 ", "86", "86-",
                                 "0", "(+86)", "+86(0)", "\xEF\xBC\x8B" "86 ", "17951", "17951 ", "12593",
                                 "+852 ", "+1 ", "+", "00", "8", "860", "+860", "086", "+ 86 ", "(86)"};
const char* const kJunk[] = {"*", "x", "X", "/", "a", "手机:", "+", "#", "E", "e", "E+", "转", ",", "、",
                             "?", "0", "1", "86", "\xEF\xBC\x8B", "~", "'", "tel:", "(", ")"};

std::string Generate(Rng& r) {
  std::string digits;
  switch (r.Below(10)) {
    case 0: case 1: case 2: case 3: case 4: case 5: {  // 11-digit 1xx mobile-shaped
      digits.push_back('1');
      digits.push_back(static_cast<char>(r.Chance(85) ? '3' + r.Below(7) : '0' + r.Below(3)));
      for (int i = 0; i < 9; ++i) digits.push_back(static_cast<char>('0' + r.Below(10)));
      break;
    }
    case 6: {  // prefix boundaries: 1740x, 1349, 1610, 14x, 16x, 19x
      const char* const kHot[] = {"1740", "1741", "1749", "1349", "1610", "1619", "140", "141", "144",
                                  "145", "146", "148", "149", "154", "162", "165", "194", "192", "179"};
      digits = kHot[r.Below(sizeof kHot / sizeof kHot[0])];
      while (digits.size() < 11) digits.push_back(static_cast<char>('0' + r.Below(10)));
      break;
    }
    case 7: {  // landline: 0 + area code + 7-8 digits
      const char* const kArea[] = {"010", "021", "020", "0571", "0755", "0311", "025", "0898"};
      digits = kArea[r.Below(8)];
      int n = r.Chance(80) ? 8 : 7;
      for (int i = 0; i < n; ++i) digits.push_back(static_cast<char>('0' + r.Below(10)));
      break;
    }
    default: {  // any length
      int n = 5 + static_cast<int>(r.Below(12));
      for (int i = 0; i < n; ++i) digits.push_back(static_cast<char>('0' + r.Below(10)));
      break;
    }
  }
  std::string out;
  if (r.Chance(10)) out += r.Chance(50) ? " " : "\t";
  if (r.Chance(40)) out += kPrefixes[r.Below(sizeof kPrefixes / sizeof kPrefixes[0])];
  const bool fullwidth = r.Chance(20);
  const int sep_rate = r.Chance(50) ? 0 : static_cast<int>(r.Below(40));
  for (size_t i = 0; i < digits.size(); ++i) {
    AppendDigit(r, out, digits[i], fullwidth);
    if (i + 1 < digits.size() && r.Chance(static_cast<uint32_t>(sep_rate)))
      out += kSeparators[r.Below(sizeof kSeparators / sizeof kSeparators[0])];
  }
  if (r.Chance(8)) {  // junk somewhere
    size_t at = r.Below(static_cast<uint32_t>(out.size() + 1));
    while (at < out.size() && (static_cast<unsigned char>(out[at]) & 0xC0) == 0x80) ++at;
    out.insert(at, kJunk[r.Below(sizeof kJunk / sizeof kJunk[0])]);
  }
  if (r.Chance(10)) out += r.Chance(50) ? " " : "\xE3\x80\x80";
  return out;
}

struct Report {
  uint64_t inputs = 0, fast_answers = 0, library_valid = 0;
  std::vector<std::string> mismatches;  // synthetic inputs: safe to show
};

void Run(uint64_t seed, uint64_t count, Report& rep) {
  PhoneNormalizer phone("CN");
  Rng r{seed};
  std::vector<std::string> with_fast, without_fast;
  std::string e164, lib;
  for (uint64_t i = 0; i < count; ++i) {
    std::string raw = Generate(r);
    ++rep.inputs;
    with_fast.clear();
    without_fast.clear();
    NormOutcome a = phone.Normalize(raw, with_fast, true);
    // Without a form, no fast path answered (an answer always yields a form), so every
    // part already went through the library: the library-only run would be the same.
    if (a != NormOutcome::kOk) continue;
    NormOutcome b = phone.Normalize(raw, without_fast, false);
    if (b == NormOutcome::kOk) ++rep.library_valid;
    if (a != b || with_fast != without_fast) {
      if (rep.mismatches.size() < 20) rep.mismatches.push_back("rules differ: [" + raw + "]");
      continue;
    }
    if (PhoneFastPath(raw, true, e164)) {
      ++rep.fast_answers;
      if (raw.find('\t') != std::string::npos) continue;  // the library rejects tabs; our rules map them
      lib.clear();
      if (!phone.LibraryE164(raw, lib) || lib != e164) {
        if (rep.mismatches.size() < 20)
          rep.mismatches.push_back("library differs: [" + raw + "] fast=" + e164 + " lib=" + lib);
      }
    }
  }
}

}  // namespace

TEST_CASE("phone: fast path agrees with libphonenumber on 1,000,000 generated inputs",
          "[normalize][differential]") {
  constexpr uint64_t kTotal = 1'000'000;
  constexpr int kThreads = 2;
  static_assert(kTotal % kThreads == 0);
  Report reports[kThreads];
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(Run, 0x1EAD'DE00ULL + static_cast<uint64_t>(t), kTotal / kThreads, std::ref(reports[t]));
  }
  for (auto& th : threads) th.join();
  Report all;
  for (const Report& r : reports) {
    all.inputs += r.inputs;
    all.fast_answers += r.fast_answers;
    all.library_valid += r.library_valid;
    all.mismatches.insert(all.mismatches.end(), r.mismatches.begin(), r.mismatches.end());
  }
  INFO("inputs " << all.inputs << ", fast-path answers " << all.fast_answers << ", valid per library "
                 << all.library_valid);
  for (const auto& m : all.mismatches) UNSCOPED_INFO(m);
  CHECK(all.mismatches.empty());
  CHECK(all.inputs == kTotal);
  // The test is only meaningful if the fast path answers a good share and declines some.
  CHECK(all.fast_answers > kTotal / 4);
  CHECK(all.library_valid > all.fast_answers);
}
