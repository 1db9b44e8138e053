#include "hunt/file_kind.h"

#include <elf.h>

#include <cstring>

#include "core/text.h"

namespace unmine {
namespace {

template <typename T>
bool load(std::string_view image, uint64_t off, T& out) {
  if (off > image.size() || image.size() - off < sizeof(T)) return false;
  std::memcpy(&out, image.data() + off, sizeof(T));
  return true;
}

std::optional<std::string> build_id_in_notes(std::string_view image, uint64_t off, uint64_t size) {
  if (off > image.size() || size > image.size() - off) return std::nullopt;
  uint64_t end = off + size;
  while (off + sizeof(Elf64_Nhdr) <= end) {
    Elf64_Nhdr n{};
    if (!load(image, off, n)) return std::nullopt;
    uint64_t name_at = off + sizeof n;
    uint64_t desc_at = name_at + ((n.n_namesz + 3u) & ~3u);
    uint64_t next = desc_at + ((n.n_descsz + 3u) & ~3u);
    if (next > end || next <= off) return std::nullopt;
    if (n.n_type == NT_GNU_BUILD_ID && n.n_namesz == 4 && std::memcmp(image.data() + name_at, "GNU", 4) == 0 &&
        n.n_descsz > 0 && n.n_descsz <= 64) {
      static const char* hex = "0123456789abcdef";
      std::string out;
      for (uint32_t i = 0; i < n.n_descsz; ++i) {
        auto b = static_cast<unsigned char>(image[desc_at + i]);
        out += hex[b >> 4];
        out += hex[b & 15];
      }
      return out;
    }
    off = next;
  }
  return std::nullopt;
}

template <typename Ehdr, typename Phdr>
std::optional<std::string> build_id(std::string_view image) {
  Ehdr eh{};
  if (!load(image, 0, eh) || eh.e_phentsize != sizeof(Phdr) || eh.e_phnum > 256) return std::nullopt;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Phdr ph{};
    if (!load(image, eh.e_phoff + uint64_t{i} * sizeof(Phdr), ph)) return std::nullopt;
    if (ph.p_type != PT_NOTE) continue;
    if (auto id = build_id_in_notes(image, ph.p_offset, ph.p_filesz)) return id;
  }
  return std::nullopt;
}

}  // namespace

FileClass classify_file(std::string_view head) {
  FileClass c;
  if (head.size() >= 4 && head.substr(0, 4) ==
                              "\x7f"
                              "ELF") {
    c.kind = FileKind::elf;
  } else if (head.size() >= 3 && head.substr(0, 2) == "#!") {
    c.kind = FileKind::script;
    auto line = head.substr(
        2, std::min<size_t>(head.find('\n') == std::string_view::npos ? head.size() : head.find('\n'), 130) - 2);
    c.interpreter = printable(trim(line));
  }
  return c;
}

std::string_view to_string(FileKind k) {
  switch (k) {
    case FileKind::elf: return "elf";
    case FileKind::script: return "script";
    default: return "other";
  }
}

std::optional<std::string> elf_build_id(std::string_view image) {
  if (image.size() < EI_NIDENT ||
      image.substr(0, 4) !=
          "\x7f"
          "ELF" ||
      image[EI_DATA] != ELFDATA2LSB)
    return std::nullopt;
  if (image[EI_CLASS] == ELFCLASS64) return build_id<Elf64_Ehdr, Elf64_Phdr>(image);
  if (image[EI_CLASS] == ELFCLASS32) return build_id<Elf32_Ehdr, Elf32_Phdr>(image);
  return std::nullopt;
}

}  // namespace unmine
