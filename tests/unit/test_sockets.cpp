#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/fd.h"
#include "host/sockets.h"

using namespace unmine;

namespace {
constexpr const char* kHeader =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
}

TEST_CASE("parse_proc_net: v4 rows, states and endpoints") {
  struct Row {
    std::string line;
    std::string local, remote, state;
    uint16_t lport, rport;
    uint64_t inode;
    uid_t uid;
  };
  const Row rows[] = {
      {"   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 505 1 0 100 0 0 10 "
       "0",
       "127.0.0.1", "0.0.0.0", "LISTEN", 3306, 0, 505, 0},
      {"   1: 0F02000A:C350 2A00A8C0:0D05 01 00000000:00000000 02:000A7D6A 00000000  1000        0 77123 2 0 20 4 30 "
       "10 -1",
       "10.0.2.15", "192.168.0.42", "ESTABLISHED", 50000, 3333, 77123, 1000},
      {"   2: 0F02000A:C351 2A00A8C0:01BB 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0", "10.0.2.15",
       "192.168.0.42", "TIME_WAIT", 50001, 443, 0, 0},
  };
  for (auto& r : rows) {
    CAPTURE(r.line);
    std::vector<std::string> anomalies;
    auto got = parse_proc_net(std::string(kHeader) + r.line + "\n", "tcp", AF_INET, &anomalies);
    CHECK(anomalies.empty());
    REQUIRE(got.size() == 1);
    CHECK(got[0].proto == "tcp");
    CHECK(got[0].local_addr == r.local);
    CHECK(got[0].remote_addr == r.remote);
    CHECK(got[0].local_port == r.lport);
    CHECK(got[0].remote_port == r.rport);
    CHECK(got[0].state == r.state);
    CHECK(got[0].inode == r.inode);
    CHECK(got[0].uid == r.uid);
  }
}

TEST_CASE("parse_proc_net: v6, v4-mapped v6 shown as v4, UDP states") {
  std::vector<std::string> anomalies;
  auto v6 = parse_proc_net(
      "  sl  local_address                         remote_address                        st tx_queue rx_queue tr "
      "tm->when retrnsmt   uid  timeout inode\n"
      "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 "
      "00:00000000 00000000     0        0 900 1 0\n"
      "   1: 0000000000000000FFFF00000100007F:A000 0000000000000000FFFF00000100007F:0D05 01 00000000:00000000 "
      "00:00000000 00000000     0        0 901 1 0\n",
      "tcp", AF_INET6, &anomalies);
  CHECK(anomalies.empty());
  REQUIRE(v6.size() == 2);
  CHECK(v6[0].local_addr == "::1");
  CHECK(v6[0].local_port == 8080);
  CHECK(v6[1].local_addr == "127.0.0.1");
  CHECK(v6[1].remote_addr == "127.0.0.1");
  CHECK(v6[1].remote_port == 3333);
  CHECK(v6[1].family == AF_INET6);

  auto udp = parse_proc_net(
      "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer "
      "drops\n"
      "  100: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 11 2 0 0\n"
      "  101: 0F02000A:9C40 08080808:0035 01 00000000:00000000 00:00000000 00000000   100        0 12 2 0 0\n",
      "udp", AF_INET, &anomalies);
  CHECK(anomalies.empty());
  REQUIRE(udp.size() == 2);
  CHECK(udp[0].state == "UNCONN");
  CHECK(udp[0].listening());
  CHECK(udp[1].state == "ESTABLISHED");
  CHECK(udp[1].remote_addr == "8.8.8.8");
  CHECK(udp[1].remote_port == 53);
}

TEST_CASE("parse_proc_net: truncated and malformed lines become anomalies, the rest is kept") {
  const char* bad_lines[] = {
      "   3: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:000",                         // cut mid-line
      "   4: 0100007F 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5 1",        // no port
      "   5: 0100007G:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5 1",   // not hex
      "   6: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000 x 0 5 1",   // uid
      "   7: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 -5 1",  // inode
      "   8: 00000000000000000000000001000000:1F90 00000000:0000 0A 0:0 0:0 0 0 0 5 1",        // v6 in v4 table
      "garbage \xff\n with a newline",
  };
  for (auto* line : bad_lines) {
    CAPTURE(line);
    std::vector<std::string> anomalies;
    std::string text = std::string(kHeader) + line + "\n" +
                       "   9: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 505 1\n";
    auto got = parse_proc_net(text, "tcp", AF_INET, &anomalies);
    CHECK(got.size() == 1);
    CHECK_FALSE(anomalies.empty());
    for (auto& a : anomalies) CHECK(a.find('\n') == std::string::npos);
  }
  CHECK(parse_proc_net("", "tcp", AF_INET, nullptr).empty());
}

TEST_CASE("socket_inode_of reads fd link targets") {
  CHECK(socket_inode_of("socket:[12345]") == 12345);
  CHECK(socket_inode_of("socket:[]") == 0);
  CHECK(socket_inode_of("pipe:[12345]") == 0);
  CHECK(socket_inode_of("/tmp/socket:[1]") == 0);
  CHECK(socket_inode_of("socket:[12x]") == 0);
}

TEST_CASE("fixture procfs: tables parsed, owners found through fd links") {
  HostRoot host({UNMINE_FIXTURES "/hosts/sockets", "", ""});
  REQUIRE(host.has_proc());
  CHECK_FALSE(host.proc_is_live());
  SocketReader reader(host);
  auto scan = reader.scan();
  CHECK(scan.source == "procfs");
  CHECK(scan.anomalies.size() == 1);  // the truncated last line of tcp
  auto it = std::find_if(scan.sockets.begin(), scan.sockets.end(), [](auto& s) { return s.remote_port == 3333; });
  REQUIRE(it != scan.sockets.end());
  CHECK(it->remote_addr == "192.168.0.42");
  std::vector<SocketEntry> wanted{*it};
  reader.attach_owners(wanted);
  CHECK(wanted[0].pids == std::vector<int>{4242});

  SocketQuery connected_only;
  connected_only.listening = false;
  connected_only.udp = false;
  for (auto& s : reader.scan(connected_only).sockets) CHECK(s.state != "LISTEN");
}

TEST_CASE("live host: netlink sees our own loopback connection and finds us as its owner") {
  HostRoot host({"/", "", ""});
  if (!host.proc_is_live()) {
    MESSAGE("skipped: no live procfs");
    return;
  }
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener.get(), 4) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(::connect(client.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const uint16_t port = ntohs(addr.sin_port);

  SocketReader reader(host);
  auto scan = reader.scan();
  CHECK(scan.source == "netlink");
  std::vector<SocketEntry> wanted;
  for (auto& s : scan.sockets)
    if (s.remote_port == port && s.state == "ESTABLISHED" && s.remote_addr == "127.0.0.1") wanted.push_back(s);
  REQUIRE(wanted.size() == 1);
  reader.attach_owners(wanted, {::getpid()});
  CHECK(wanted[0].pids == std::vector<int>{::getpid()});
  // Searched without a hint, the owner is still found by the full scan.
  reader.attach_owners(wanted);
  CHECK(std::find(wanted[0].pids.begin(), wanted[0].pids.end(), ::getpid()) != wanted[0].pids.end());
}

TEST_CASE("queries: only listeners, and a keep filter applied while reading") {
  HostRoot host({UNMINE_FIXTURES "/hosts/sockets", "", ""});
  SocketReader reader(host);
  SocketQuery listeners;
  listeners.only_listening = true;
  auto l = reader.scan(listeners).sockets;
  REQUIRE(l.size() == 2);  // ssh on v4 and v6; UDP is never a listener here
  for (auto& s : l) CHECK(s.state == "LISTEN");
  SocketQuery keep;
  keep.keep = [](const SocketEntry& s) { return s.remote_port == 3333; };
  auto k = reader.scan(keep).sockets;
  REQUIRE(k.size() == 1);
  CHECK(k[0].inode == 77123);
}

TEST_CASE("procfs tables are streamed: at most kMaxKeptSockets kept, the rest counted and said") {
  auto dir = std::filesystem::temp_directory_path() / ("unmine-sockets-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "net");
  {
    std::ofstream tcp(dir / "net" / "tcp");
    tcp << kHeader;
    const size_t lines = kMaxKeptSockets + 5000;
    for (size_t i = 0; i < lines; ++i) {
      char line[200];
      std::snprintf(line, sizeof line,
                    "%6zu: 0100007F:%04zX 0A000001:0D05 01 00000000:00000000 00:00000000 00000000  1000        0 %zu 1 "
                    "0 20 4 30 10 -1\n",
                    i, 40000 + i % 20000, 1000 + i);
      tcp << line;
    }
    tcp << "not a line of the kernel's\n" << std::string(5000, '0') << "\n";
  }
  HostRoot host({"/", dir.string(), ""});
  auto scan = SocketReader(host).scan();
  CHECK(scan.source == "procfs");
  CHECK(scan.sockets.size() == kMaxKeptSockets);
  CHECK(scan.not_kept == 5000);
  CHECK(scan.lines_skipped == 2);
  CHECK_FALSE(scan.complete());
  auto said = [&](std::string_view w) {
    return std::any_of(scan.anomalies.begin(), scan.anomalies.end(),
                       [&](auto& a) { return a.find(w) != std::string::npos; });
  };
  CHECK(said("limit reached: 5000 more sockets"));
  CHECK(said("net/tcp line " + std::to_string(kMaxKeptSockets + 5000 + 2) + ": truncated"));
  CHECK(said("1 line(s) longer than 4096 bytes skipped"));
  // A filter applied while reading keeps the scan whole.
  SocketQuery few;
  few.keep = [](const SocketEntry& s) { return s.inode < 1100; };
  auto kept = SocketReader(host).scan(few);
  CHECK(kept.sockets.size() == 100);
  CHECK(kept.not_kept == 0);
  std::filesystem::remove_all(dir);
}
