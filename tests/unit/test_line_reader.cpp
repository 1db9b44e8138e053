#include <doctest/doctest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/fd.h"
#include "host/line_reader.h"

using namespace unmine;

namespace {

UniqueFd memfd_with(const std::string& text) {
  UniqueFd fd(::memfd_create("lines", MFD_CLOEXEC));
  REQUIRE(fd);
  REQUIRE(::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  REQUIRE(::lseek(fd.get(), 0, SEEK_SET) == 0);
  return fd;
}

std::vector<std::string> all_lines(const std::string& text, size_t max_line, LineReadStats* stats = nullptr) {
  auto fd = memfd_with(text);
  std::vector<std::string> out;
  auto s = read_lines(fd.get(), max_line, [&](std::string_view l) {
    out.emplace_back(l);
    return true;
  });
  if (stats) *stats = s;
  return out;
}

}  // namespace

TEST_CASE("read_lines: lines with and without a last newline, blank lines kept") {
  CHECK(all_lines("a\nbb\n\nccc", 16) == std::vector<std::string>{"a", "bb", "", "ccc"});
  CHECK(all_lines("a\n", 16) == std::vector<std::string>{"a"});
  CHECK(all_lines("", 16).empty());
}

TEST_CASE("read_lines: a line longer than the limit is skipped whole, wherever the reads cut it") {
  for (size_t long_len : {size_t{17}, size_t{70000}, size_t{300000}}) {
    LineReadStats stats;
    auto got = all_lines("first\n" + std::string(long_len, 'x') + "\nlast\n", 16, &stats);
    CHECK(got == std::vector<std::string>{"first", "last"});
    CHECK(stats.too_long == 1);
    CHECK(stats.lines == 2);
  }
  LineReadStats stats;
  CHECK(all_lines("ok\n" + std::string(100000, 'y'), 16, &stats) == std::vector<std::string>{"ok"});
  CHECK(stats.too_long == 1);
}

TEST_CASE("read_lines: many lines across read chunks arrive whole and in order") {
  std::string text;
  for (int i = 0; i < 50000; ++i) text += "line " + std::to_string(i) + "\n";
  auto got = all_lines(text, 64);
  REQUIRE(got.size() == 50000);
  CHECK(got[0] == "line 0");
  CHECK(got[12345] == "line 12345");
  CHECK(got.back() == "line 49999");
}

TEST_CASE("read_lines: the callback stops the read") {
  auto fd = memfd_with("1\n2\n3\n");
  int seen = 0;
  read_lines(fd.get(), 16, [&](std::string_view) { return ++seen < 2; });
  CHECK(seen == 2);
}
