#include <doctest/doctest.h>

#include "core/hex.h"
#include "core/iso8601.h"
#include "core/text.h"

using namespace unmine;

TEST_CASE("printable keeps UTF-8 and escapes the rest") {
  struct Row {
    std::string in, out;
  };
  const Row rows[] = {
      {"plain", "plain"},
      {"caf\xc3\xa9", "caf\xc3\xa9"},
      {"a\nb", "a\\nb"},
      {"back\\slash", "back\\\\slash"},
      {"bad\xff", "bad\\xff"},
      {"\xc0\xaf", "\\xc0\\xaf"},           // overlong '/'
      {"\xed\xa0\x80", "\\xed\\xa0\\x80"},  // surrogate
      {"\x1b[31m", "\\x1b[31m"},            // terminal escape
      {std::string("nul\0x", 5), "nul\\x00x"},
      {"\xc2\x9b"
       "31m",
       "\\xc2\\x9b31m"},               // C1 CSI: a terminal escape without ESC
      {"x\xc2\x85y", "x\\xc2\\x85y"},  // C1 NEL
      {"inv\xe2\x80\xae"
       "exe.sh",
       "inv\\xe2\\x80\\xae"
       "exe.sh"},  // U+202E right-to-left override
      {"a\xe2\x81\xa6"
       "b",
       "a\\xe2\\x81\\xa6"
       "b"},                             // U+2066 isolate
      {"\xc2\xa0nbsp", "\xc2\xa0nbsp"},  // U+00A0 is text, kept
  };
  for (auto& r : rows) CHECK(printable(r.in) == r.out);
}

TEST_CASE("terminal_safe leaves printable text as it is and still escapes raw text") {
  for (std::string raw : {"a\x1b[2Jb",
                          "inv\xe2\x80\xae"
                          "exe",
                          "back\\slash\xff"}) {
    CHECK(terminal_safe(printable(raw)) == printable(raw));  // no "\\x1b" in a findings table
  }
  CHECK(terminal_safe("a\x1b[2Jb") == "a\\x1b[2Jb");
  CHECK(terminal_safe("c:\\dir") == "c:\\dir");
}

TEST_CASE("split_nul drops one trailing empty field") {
  CHECK(split_nul(std::string("a\0b\0", 4)) == std::vector<std::string>{"a", "b"});
  CHECK(split_nul("").empty());
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

TEST_CASE("parse_iso8601: what the case records and what a responder types") {
  struct Row {
    const char* text;
    std::optional<int64_t> want;
  } rows[] = {
      {"1970-01-01T00:01:00Z", 60},
      {"2026-11-23T12:00:00.123456Z", 1795435200},
      {"2026-11-23 12:00", 1795435200},
      {"2026-11-23T14:00:00+02:00", 1795435200},
      {"2026-11-23T11:30:00-0030", 1795435200},
      {"2026-11-23", 1795392000},
      {"2026-13-23T12:00:00Z", std::nullopt},
      {"2026-11-23T12:00:00Zjunk", std::nullopt},
      {"2026-11-23T25:00:00Z", std::nullopt},
      {"20261123", std::nullopt},
      {"", std::nullopt},
  };
  for (auto& r : rows) CHECK_MESSAGE(parse_iso8601(r.text) == r.want, r.text);
}

TEST_CASE("base_name and dir_name of the paths processes and artifacts carry") {
  CHECK(base_name("/tmp/.x/kworkerd") == "kworkerd");
  CHECK(base_name("kworkerd") == "kworkerd");
  CHECK(base_name("/tmp/") == "");
  CHECK(dir_name("/tmp/.x/kworkerd") == "/tmp/.x");
  CHECK(dir_name("/xmrig") == "/");
  CHECK(dir_name("xmrig") == ".");
}

TEST_CASE("joined and is_ip_address") {
  CHECK(joined({"/tmp/x", "-o", "pool:3333"}) == "/tmp/x -o pool:3333");
  CHECK(joined({"/tmp/x", "-o", "pool:3333"}, 1) == "-o pool:3333");
  CHECK(joined({}) == "");
  CHECK(is_ip_address("203.0.113.7"));
  CHECK(is_ip_address("2001:db8::7"));
  CHECK_FALSE(is_ip_address("999.1.1.1"));
  CHECK_FALSE(is_ip_address("pool.example"));
  CHECK_FALSE(is_ip_address(std::string_view("1.2.3.4\0x", 9)));
}

TEST_CASE("public addresses: not loopback, unspecified, private or link-local") {
  for (auto a : {"203.0.113.7", "45.9.148.21", "8.8.8.8", "2001:db8::1", "2606:4700::1111", "::ffff:8.8.8.8"}) {
    CAPTURE(a);
    CHECK(is_public_address(a));
  }
  for (auto a :
       {"127.0.0.1", "127.5.5.5", "0.0.0.0", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1",
        "169.254.169.254", "100.64.0.1", "::", "::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1", "pool.example", ""}) {
    CAPTURE(a);
    CHECK_FALSE(is_public_address(a));
  }
  CHECK(is_public_address("172.32.0.1"));
}

TEST_CASE("from_hex: plain digit pairs only") {
  std::string out;
  CHECK(from_hex("2f746d70", out));
  CHECK(out == "/tmp");
  CHECK(from_hex("2F746D70", out));
  CHECK(out == "/tmp");
  CHECK(from_hex("", out));
  CHECK(out.empty());
  CHECK_FALSE(from_hex("2f7", out));
  CHECK_FALSE(from_hex("2f:74", out));
  CHECK_FALSE(from_hex("zz", out));
}
