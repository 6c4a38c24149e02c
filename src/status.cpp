#include "leakdex/status.h"

namespace leakdex {

std::string Status::ToString() const {
  const char* prefix = "";
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kNotFound: prefix = "not found"; break;
    case Code::kInvalidArgument: prefix = "invalid argument"; break;
    case Code::kInputError: prefix = "input error"; break;
    case Code::kCorruption: prefix = "index corrupt"; break;
    case Code::kNotSupported: prefix = "index not supported"; break;
    case Code::kIndexMissing: prefix = "no index"; break;
    case Code::kKeyError: prefix = "key error"; break;
    case Code::kIOError: prefix = "I/O error"; break;
    case Code::kInternal: prefix = "internal error"; break;
  }
  return std::string(prefix) + ": " + message_;
}

}  // namespace leakdex
