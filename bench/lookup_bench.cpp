// lookup_bench DIR [--samples N] [--load] [--chunk N]: in-process lookup cost
// of an index (bench/scale.sh). Takes N stored keys from the index's first
// segment (a stored fingerprint, its unstored low bits set at random, is a
// hit) and N random absent ones, then times, after one warm-up pass:
//   random   Index::Lookup one tag at a time, in random order;
//   batched  Index::LookupMany over all of them at once (sorted, prefetched),
//            or, with --chunk N, over N tags at a time (as batch does: a
//            chunk of a few thousand rows' tags, fewer tags than groups, is
//            looked up in input order).
// --load opens the index as batch does: read into memory, every page
// verified at open (Index::OpenOptions::load_up_to_bytes).
// Prints one JSON object: wall ns per lookup (random_ns, batched_ns) and this
// thread's CPU ns per lookup (random_cpu_ns, batched_cpu_ns; steadier on a
// shared machine, where wall time counts other processes' turns). Needs no
// key: no tag is derived from a value.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "index/manifest.h"
#include "index/segment.h"
#include "leakdex/index.h"
#include "leakdex/index_format.h"

using namespace leakdex;
using Clock = std::chrono::steady_clock;

namespace {

// Reservoir sample of up to n stored fingerprints (as tags) of one segment.
Result<std::vector<Tag>> SampleStored(const std::string& path, size_t n, std::mt19937_64& rng) {
  LEAKDEX_ASSIGN_OR_RETURN(auto seg, SegmentReader::Open(path, 0));
  std::vector<Tag> out;
  auto cursor = seg->NewCursor();
  SegmentEntry e;
  uint64_t seen = 0;
  for (;;) {
    LEAKDEX_ASSIGN_OR_RETURN(bool more, cursor.Next(&e));
    if (!more) break;
    const uint64_t low = e.precision >= 64 ? 0 : rng() & ((uint64_t{1} << (64 - e.precision)) - 1);
    Tag t{e.value | low, rng()};
    if (out.size() < n) out.push_back(t);
    else if (uint64_t j = rng() % (seen + 1); j < n) out[j] = t;
    ++seen;
  }
  return out;
}

double NsPer(Clock::duration d, size_t n) {
  return std::chrono::duration<double, std::nano>(d).count() / static_cast<double>(n);
}

// CPU time this thread has used, in ns.
double ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: lookup_bench DIR [--samples N] [--load] [--chunk N]\n");
    return 2;
  }
  const std::string dir = argv[1];
  size_t n = 200000, chunk = 0;
  Index::OpenOptions options;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--samples") == 0 && i + 1 < argc) {
      n = std::stoul(argv[++i]);
    } else if (std::strcmp(argv[i], "--chunk") == 0 && i + 1 < argc) {
      chunk = std::stoul(argv[++i]);
    } else if (std::strcmp(argv[i], "--load") == 0) {
      options.load_up_to_bytes = UINT64_MAX;
    } else {
      std::fprintf(stderr, "lookup_bench: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  auto index = Index::Open(dir, options);
  if (!index.ok()) {
    std::fprintf(stderr, "lookup_bench: %s\n", index.status().ToString().c_str());
    return 4;
  }
  std::ifstream in(dir + "/MANIFEST", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto m = Manifest::Decode(bytes, dir + "/MANIFEST");
  if (!m.ok() || m->segments.empty()) return 4;
  std::mt19937_64 rng(42);
  auto stored = SampleStored(dir + "/" + m->segments.front().name, n, rng);
  if (!stored.ok()) {
    std::fprintf(stderr, "lookup_bench: %s\n", stored.status().ToString().c_str());
    return 4;
  }
  std::vector<Tag> tags = *stored;
  const size_t present = tags.size();
  for (size_t i = 0; i < present; ++i) tags.push_back(Tag{rng(), rng()});
  std::shuffle(tags.begin(), tags.end(), rng);

  size_t hits = 0;
  Clock::duration best_random = Clock::duration::max(), best_batched = Clock::duration::max();
  double cpu_random = 1e300, cpu_batched = 1e300;
  for (int round = 0; round < 3; ++round) {  // round 0 warms the page cache
    hits = 0;
    const double c0 = ThreadCpuNs();
    auto t0 = Clock::now();
    for (const Tag& t : tags) {
      auto h = (*index)->Lookup(t);
      if (!h.ok()) return 4;
      hits += h->has_value();
    }
    auto t1 = Clock::now();
    const double c1 = ThreadCpuNs();
    std::vector<std::optional<KeyExposure>> out;
    const size_t step = chunk == 0 ? tags.size() : chunk;
    for (size_t at = 0; at < tags.size(); at += step) {
      const std::span<const Tag> part(tags.data() + at, std::min(step, tags.size() - at));
      if (!(*index)->LookupMany(part, &out).ok()) return 4;
    }
    auto t2 = Clock::now();
    const double c2 = ThreadCpuNs();
    if (round > 0) {
      best_random = std::min(best_random, t1 - t0);
      best_batched = std::min(best_batched, t2 - t1);
      cpu_random = std::min(cpu_random, c1 - c0);
      cpu_batched = std::min(cpu_batched, c2 - c1);
    }
  }
  const double n_tags = static_cast<double>(tags.size());
  std::printf(
      "{\"lookups\":%zu,\"present\":%zu,\"hits\":%zu,\"random_ns\":%.1f,\"batched_ns\":%.1f,"
      "\"random_cpu_ns\":%.1f,\"batched_cpu_ns\":%.1f}\n",
      tags.size(), present, hits, NsPer(best_random, tags.size()), NsPer(best_batched, tags.size()),
      cpu_random / n_tags, cpu_batched / n_tags);
  return hits >= present ? 0 : 1;
}
