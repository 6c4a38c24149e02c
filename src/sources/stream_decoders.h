// Decoders of single compressed streams as ByteStreams, without libarchive:
// gzip with ISA-L's inflate, zstd with libzstd (src/sources/codec_api.h says
// why). container.cpp sniffs what they yield exactly like an archive member,
// so a .tar.gz or .tar.zst still reaches libarchive for the tar.
//
// Contracts, the same as `gzip -dc` / `zstd -dc` and the libarchive filters
// they replace:
//  - gzip: every concatenated member is read (multi-member files); each
//    member's CRC-32 and length are checked. Zero bytes after the last member
//    are padding and ignored (as gzip does); any other trailing byte is an
//    error (gzip only warns, but such bytes are usually a damaged member whose
//    records would otherwise be lost without a word).
//  - zstd: every concatenated frame is read, skippable frames are skipped,
//    content checksums are checked when the frame has one; trailing bytes that
//    are not a frame are an error (as in zstd -dc).
//  - The input ending inside a member or frame is an error, never a short
//    success. Errors are InputErrors "<name>: truncated or corrupt gzip input
//    (<reason>)" naming the stream and the library's reason, never data.
#pragma once

#include <memory>
#include <string>

#include "sources/byte_stream.h"
#include "sources/codec_api.h"

namespace leakdex {

// `in` must start at the first byte of the compressed stream; `name` names
// the stream in errors.
std::unique_ptr<ByteStream> NewGzipDecoder(const IsalApi* isal, std::unique_ptr<ByteStream> in, std::string name);
std::unique_ptr<ByteStream> NewZstdDecoder(const ZstdApi* zstd, std::unique_ptr<ByteStream> in, std::string name);

}  // namespace leakdex
