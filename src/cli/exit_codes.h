// Process exit codes (SPEC §4.6). The only place a Status becomes an exit code.
#pragma once

#include "leakdex/status.h"

namespace leakdex::cli {

enum ExitCode : int {
  kExitOk = 0,          // success; check/batch: nothing exposed (or under the threshold)
  kExitExposed = 1,     // check/batch: exposure found
  kExitUsage = 2,       // unknown option, missing argument, bad option value
  kExitInput = 3,       // unreadable/undecodable input, invalid query value, --strict/--max-bad-ratio hit
  kExitIndex = 4,       // index missing, corrupt, truncated, unsupported version
  kExitKey = 5,         // key missing, wrong for this index, unsafe permissions
  kExitIo = 6,          // output or I/O error: disk full, cannot write
  kExitInternal = 70,   // a bug
};

inline int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk: return kExitOk;
    case Status::Code::kInvalidArgument: return kExitUsage;
    case Status::Code::kInputError: return kExitInput;
    case Status::Code::kCorruption:
    case Status::Code::kNotSupported:
    case Status::Code::kIndexMissing: return kExitIndex;
    case Status::Code::kKeyError: return kExitKey;
    case Status::Code::kIOError: return kExitIo;
    case Status::Code::kNotFound:
    case Status::Code::kInternal: return kExitInternal;
  }
  return kExitInternal;
}

}  // namespace leakdex::cli
