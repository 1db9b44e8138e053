#pragma once
// What a file's first bytes say it is (ELF, script with interpreter) and an ELF's GNU build-id: the
// build-id survives renaming and appended bytes, so it ties a copy to the system tool it came from.
#include <optional>
#include <string>
#include <string_view>

namespace unmine {

enum class FileKind { other, elf, script };

struct FileClass {
  FileKind kind = FileKind::other;
  std::string interpreter;  // scripts: "/bin/sh", "/usr/bin/env python3", printable
};

FileClass classify_file(std::string_view head);
std::string_view to_string(FileKind k);

// The NT_GNU_BUILD_ID of a 64- or 32-bit little-endian ELF image (hex), read from its program headers.
// nullopt when absent or when the headers lie outside `image`.
std::optional<std::string> elf_build_id(std::string_view image);

}  // namespace unmine
