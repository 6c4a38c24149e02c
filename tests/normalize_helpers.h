// Shared helpers for the normaliser tests (tests/normalize_*_test.cpp).
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "leakdex/normalize.h"

namespace leakdex::testing {

// One Normalizer per test thread (Catch2 runs tests on one thread).
inline Normalizer& TestNormalizer() {
  static std::unique_ptr<Normalizer> n = [] {
    auto r = Normalizer::Create(NormalizeOptions{});
    REQUIRE(r.ok());
    return std::move(r).value();
  }();
  return *n;
}

struct Normalized {
  NormOutcome outcome;
  std::vector<std::string> forms;
};

inline Normalized Norm(Attribute a, std::string_view raw) {
  Normalized r;
  r.outcome = TestNormalizer().Normalize(a, raw, r.forms);
  return r;
}

// "<masked>"-style text for an outcome.
inline std::string Outcome(NormOutcome o) {
  std::string s(1, '<');
  s += NormOutcomeName(o);
  s += '>';
  return s;
}

// The single canonical form of `raw`, or "<outcome name>" when there is none.
inline std::string Canon(Attribute a, std::string_view raw) {
  Normalized r = Norm(a, raw);
  if (r.outcome != NormOutcome::kOk) {
    CHECK(r.forms.empty());
    return Outcome(r.outcome);
  }
  std::string joined;
  for (const auto& f : r.forms) {
    if (!joined.empty()) joined += " | ";
    joined += f;
  }
  return joined;
}


// Every variant in `group` has the canonical form `expected`.
inline void ExpectGroup(Attribute a, const std::string& expected, const std::vector<std::string>& group) {
  for (const auto& raw : group) {
    INFO("input: " << raw);
    CHECK(Canon(a, raw) == expected);
  }
}

}  // namespace leakdex::testing
