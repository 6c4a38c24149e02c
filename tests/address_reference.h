// The address normaliser as it was before the fast rewrite (tests/address_reference.cpp):
// the oracle of the address differential test, the fuzz target and the benchmark.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "normalize/internal.h"

namespace leakdex::norm::reference {

NormOutcome NormalizeAddress(std::string_view raw, T2s& t2s, std::vector<std::string>& out);

}  // namespace leakdex::norm::reference
