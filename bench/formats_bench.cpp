// formats_bench: the input layer of `leakdex ingest` alone, on one thread:
// container -> encoding -> format -> records, exactly as the ingest reader
// does it (src/ingest.cpp RecordReader), but without normalising, hashing or
// writing. It tells how much of an ingest's time is reading and parsing.
//
// Usage: formats_bench [--runs N] [--format F] FILE...
// Prints one JSON object per file on stdout:
//   {"file":..., "runs":N, "seconds":[...], "median_s":..., "bytes_decoded":...,
//    "median_cpu_s":..., "records":..., "rejected":..., "mb_per_s":...}
// (MB = 10^6 bytes of decoded input; mb_per_s from the median wall time; CPU
// time is the process's, which on a loaded machine is the steadier figure).
// Prints only counts and timings, never a value (SPEC §2).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "sources/input.h"
#include "sources/record_source.h"

namespace {

using namespace leakdex;

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Pass {
  double seconds = 0, cpu_seconds = 0;
  uint64_t bytes = 0, records = 0, rejected = 0;
};

// One full read of `path`; the error status is returned as is.
Status ReadOnce(const std::string& path, InputFormat format, Pass* pass) {
  auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = CpuSeconds();
  SourceOptions so;
  so.format = format;
  LEAKDEX_ASSIGN_OR_RETURN(auto container, OpenInput(path));
  InputPart part;
  Record rec;
  BadRecord bad;
  for (;;) {
    LEAKDEX_ASSIGN_OR_RETURN(bool more, container->Next(&part));
    if (!more) break;
    LEAKDEX_ASSIGN_OR_RETURN(auto decoded, OpenDecodedStream(std::move(part.stream), Encoding::kAuto));
    LEAKDEX_ASSIGN_OR_RETURN(auto source, OpenRecordSource(std::move(decoded), so));
    for (;;) {
      RecordSource::Next next = source->Read(&rec, &bad);
      if (next == RecordSource::Next::kEnd) break;
      if (next == RecordSource::Next::kRecord && !source->validates_utf8() && !RecordIsValidUtf8(rec))
        next = RecordSource::Next::kBad;
      if (next == RecordSource::Next::kBad) pass->rejected++;
      else pass->records++;
    }
    LEAKDEX_RETURN_IF_ERROR(source->status());
    pass->bytes += source->bytes_consumed();
  }
  pass->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  pass->cpu_seconds = CpuSeconds() - cpu0;
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 3;
  InputFormat format = InputFormat::kAuto;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--format") && i + 1 < argc) {
      auto f = ParseInputFormat(argv[++i]);
      if (!f.ok()) {
        std::fprintf(stderr, "formats_bench: %s\n", f.status().message().c_str());
        return 2;
      }
      format = *f;
    } else {
      files.push_back(argv[i]);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: formats_bench [--runs N] [--format F] FILE...\n");
    return 2;
  }
  for (const std::string& file : files) {
    std::vector<Pass> passes;
    for (int r = 0; r < runs; ++r) {
      Pass p;
      if (Status st = ReadOnce(file, format, &p); !st.ok()) {
        std::fprintf(stderr, "formats_bench: %s\n", st.message().c_str());
        return 3;
      }
      passes.push_back(p);
    }
    std::vector<double> secs, cpu;
    for (const Pass& p : passes) secs.push_back(p.seconds), cpu.push_back(p.cpu_seconds);
    auto median_of = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    const double median = median_of(secs), median_cpu = median_of(cpu);
    std::printf("{\"file\":\"%s\",\"runs\":%d,\"seconds\":[", file.c_str(), runs);
    for (size_t i = 0; i < secs.size(); ++i) std::printf("%s%.4f", i ? "," : "", secs[i]);
    const Pass& p = passes.front();
    std::printf("],\"median_s\":%.4f,\"median_cpu_s\":%.4f,\"bytes_decoded\":%llu,\"records\":%llu,\"rejected\":%llu,\"mb_per_s\":%.1f}\n",
                median, median_cpu, static_cast<unsigned long long>(p.bytes), static_cast<unsigned long long>(p.records),
                static_cast<unsigned long long>(p.rejected), median > 0 ? static_cast<double>(p.bytes) / 1e6 / median : 0);
  }
  return 0;
}
