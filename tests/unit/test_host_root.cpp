#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "host/host_root.h"

using namespace unmine;
namespace fs = std::filesystem;

namespace {
struct TempRoot {
  fs::path dir;
  TempRoot() {
    char tmpl[] = "/tmp/unmine-root-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  ~TempRoot() { fs::remove_all(dir); }
  void write(const std::string& rel, const std::string& data) {
    fs::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel, std::ios::binary) << data;
  }
};
}  // namespace

TEST_CASE("absolute symlinks resolve inside the root, never on the analyst's host") {
  TempRoot r;
  r.write("etc/real", "inside");
  r.write("outside-marker", "x");
  fs::create_directories(r.dir / "etc");
  fs::create_symlink("/etc/real", r.dir / "etc/abs");
  fs::create_symlink("/etc/passwd", r.dir / "etc/escape");  // exists on the host, not in the root
  fs::create_symlink("../../../../../../etc/hostname", r.dir / "etc/dotdot");
  HostRoot host({r.dir.string(), {}, {}});
  auto f = host.read("/etc/abs");
  REQUIRE(f);
  CHECK(f->data == "inside");
  CHECK_FALSE(host.read("/etc/escape"));
  CHECK_FALSE(host.read("/etc/dotdot"));
  CHECK(host.readlink("/etc/escape") == "/etc/passwd");
  CHECK(host.lstat("/etc/escape"));
  CHECK_FALSE(host.stat("/etc/escape"));
  CHECK(host.stat("/etc/abs"));
  CHECK(host.exists("/etc/real"));
}

TEST_CASE("FIFOs are never read and big files are cut at the limit") {
  TempRoot r;
  fs::create_directories(r.dir / "tmp");
  REQUIRE(::mkfifo((r.dir / "tmp/fifo").c_str(), 0600) == 0);
  r.write("tmp/big", std::string(10000, 'a'));
  HostRoot host({r.dir.string(), {}, {}});
  CHECK_FALSE(host.read("/tmp/fifo"));
  auto big = host.read("/tmp/big", 100);
  REQUIRE(big);
  CHECK(big->data.size() == 100);
  CHECK(big->truncated);
}

TEST_CASE("names with newlines and invalid UTF-8 are listed as raw bytes") {
  TempRoot r;
  r.write("d/a\nb", "1");
  r.write("d/\xff\xfe", "2");
  HostRoot host({r.dir.string(), {}, {}});
  auto l = host.list("/d");
  CHECK(l.size() == 2);
  CHECK(host.read("/d/a\nb")->data == "1");
}

TEST_CASE("a root without proc says there is no live state") {
  TempRoot r;
  HostRoot host({r.dir.string(), {}, {}});
  CHECK_FALSE(host.has_proc());
  CHECK_FALSE(host.proc_is_live());
  HostRoot live({"/", {}, {}});
  CHECK(live.proc_is_live());
}
