#include <doctest/doctest.h>

#include "core/text.h"

using namespace unmine;

TEST_CASE("printable keeps UTF-8 and escapes the rest") {
  struct Row { std::string in, out; };
  const Row rows[] = {
      {"plain", "plain"},
      {"caf\xc3\xa9", "caf\xc3\xa9"},
      {"a\nb", "a\\nb"},
      {"back\\slash", "back\\\\slash"},
      {"bad\xff", "bad\\xff"},
      {"\xc0\xaf", "\\xc0\\xaf"},          // overlong '/'
      {"\xed\xa0\x80", "\\xed\\xa0\\x80"},  // surrogate
      {"\x1b[31m", "\\x1b[31m"},            // terminal escape
      {std::string("nul\0x", 5), "nul\\x00x"},
  };
  for (auto& r : rows) CHECK(printable(r.in) == r.out);
}

TEST_CASE("split_nul drops one trailing empty field") {
  CHECK(split_nul(std::string("a\0b\0", 4)) == std::vector<std::string>{"a", "b"});
  CHECK(split_nul("") .empty());
  CHECK(split_nul(std::string("a\0\0b", 4)) == std::vector<std::string>{"a", "", "b"});
}

TEST_CASE("lines drops CR before LF") {
  auto l = lines("one\r\ntwo\nthree");
  REQUIRE(l.size() == 3);
  CHECK(l[0] == "one");
  CHECK(l[2] == "three");
}

TEST_CASE("words splits on runs of spaces and tabs") {
  CHECK(words("  a\t\tb c  ") == std::vector<std::string_view>{"a", "b", "c"});
  CHECK(words("").empty());
  CHECK(words(" \t ").empty());
  CHECK(words("x\xff y") == std::vector<std::string_view>{"x\xff", "y"});
}
