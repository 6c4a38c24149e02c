#include "sources_test_util.h"

#include <archive.h>
#include <archive_entry.h>
#include <iconv.h>

#include <stdexcept>

namespace leakdex::testing {
namespace {

struct Writer {
  archive* a = archive_write_new();
  std::string out;
  ~Writer() { archive_write_free(a); }
  static la_ssize_t WriteCb(archive*, void* self, const void* buf, size_t n) {
    static_cast<Writer*>(self)->out.append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  }
  void Open() {
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open(a, this, nullptr, &Writer::WriteCb, nullptr) != ARCHIVE_OK)
      throw std::runtime_error(archive_error_string(a));
  }
  void Add(const std::string& name, const std::string& data) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    if (archive_write_header(a, e) != ARCHIVE_OK) throw std::runtime_error(archive_error_string(a));
    if (!data.empty() && archive_write_data(a, data.data(), data.size()) < 0)
      throw std::runtime_error(archive_error_string(a));
    archive_entry_free(e);
  }
  std::string Finish() {
    archive_write_close(a);
    return out;
  }
};

void AddFilter(archive* a, const std::string& filter) {
  int r = filter == "gzip"    ? archive_write_add_filter_gzip(a)
          : filter == "zstd"  ? archive_write_add_filter_zstd(a)
          : filter == "xz"    ? archive_write_add_filter_xz(a)
          : filter == "bzip2" ? archive_write_add_filter_bzip2(a)
          : filter == "lz4"   ? archive_write_add_filter_lz4(a)
                              : ARCHIVE_FATAL;
  if (r != ARCHIVE_OK) throw std::runtime_error("filter " + filter + " unavailable");
}

}  // namespace

std::string Compress(const std::string& filter, const std::string& data) {
  Writer w;
  AddFilter(w.a, filter);
  archive_write_set_format_raw(w.a);
  w.Open();
  w.Add("data", data);
  return w.Finish();
}

std::string MakeArchive(const std::string& format, const std::vector<std::pair<std::string, std::string>>& members) {
  Writer w;
  if (format == "zip") archive_write_set_format_zip(w.a);
  else if (format == "7zip") archive_write_set_format_7zip(w.a);
  else if (format == "tar") archive_write_set_format_pax_restricted(w.a);
  else if (format == "tar.gz") {
    archive_write_set_format_pax_restricted(w.a);
    AddFilter(w.a, "gzip");
  } else throw std::runtime_error("unknown format " + format);
  w.Open();
  for (const auto& [name, data] : members) w.Add(name, data);
  return w.Finish();
}

std::string Encode(const std::string& utf8, const char* to_encoding) {
  iconv_t cd = iconv_open(to_encoding, "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("iconv_open");
  std::string out(utf8.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t inleft = utf8.size();
  char* o = out.data();
  size_t oleft = out.size();
  if (iconv(cd, &in, &inleft, &o, &oleft) == static_cast<size_t>(-1)) throw std::runtime_error("iconv");
  iconv_close(cd);
  out.resize(out.size() - oleft);
  return out;
}

Parts ReadParts(std::unique_ptr<ByteStream> in, Encoding encoding) {
  Parts result;
  auto c = OpenInputStream(std::move(in));
  if (!c.ok()) {
    result.status = c.status();
    return result;
  }
  InputPart part;
  for (;;) {
    auto more = (*c)->Next(&part);
    if (!more.ok()) {
      result.status = more.status();
      return result;
    }
    if (!*more) break;
    auto decoded = OpenDecodedStream(std::move(part.stream), encoding);
    if (!decoded.ok()) {
      result.status = decoded.status();
      return result;
    }
    std::string bytes;
    char buf[4096];
    for (;;) {
      auto r = (*decoded)->Read(buf, sizeof buf);
      if (!r.ok()) {
        result.status = r.status();
        return result;
      }
      if (*r == 0) break;
      bytes.append(buf, *r);
    }
    result.parts.emplace_back(part.name, bytes);
  }
  return result;
}

ReadResult ReadRecords(const std::string& bytes, SourceOptions options, Encoding encoding) {
  ReadResult result;
  auto decoded = OpenDecodedStream(NewMemoryStream(bytes, "test"), encoding);
  if (!decoded.ok()) {
    result.status = decoded.status();
    return result;
  }
  auto src = OpenRecordSource(std::move(*decoded), options);
  if (!src.ok()) {
    result.status = src.status();
    return result;
  }
  result.format = (*src)->format();
  Record rec;
  BadRecord bad;
  for (;;) {
    auto next = (*src)->Read(&rec, &bad);
    if (next == RecordSource::Next::kEnd) break;
    if (next == RecordSource::Next::kRecord && !(*src)->validates_utf8() && !RecordIsValidUtf8(rec)) {
      next = RecordSource::Next::kBad;
      bad = BadRecord{"invalid_encoding", rec.line, rec.offset};
    }
    if (next == RecordSource::Next::kBad) {
      result.bad.push_back(bad.reason);
      result.bad_lines.push_back(bad.line);
      continue;
    }
    std::map<std::string, std::string> m;
    for (const Field& f : rec.fields) {
      std::string key = f.name.empty() ? "#" + std::to_string(f.index) : std::string(f.name);
      auto& slot = m[key];
      slot = slot.empty() ? std::string(f.value) : slot + "|" + std::string(f.value);
    }
    result.records.push_back(std::move(m));
  }
  result.status = (*src)->status();
  return result;
}

}  // namespace leakdex::testing
