#include "host/sockets.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <unordered_map>

#include "core/text.h"
#include "host/line_reader.h"

namespace unmine {
namespace {

constexpr std::string_view kTcpStates[] = {"UNKNOWN",   "ESTABLISHED", "SYN_SENT",    "SYN_RECV",   "FIN_WAIT1",
                                           "FIN_WAIT2", "TIME_WAIT",   "CLOSE",       "CLOSE_WAIT", "LAST_ACK",
                                           "LISTEN",    "CLOSING",     "NEW_SYN_RECV"};
constexpr unsigned kEstablished = 1, kTimeWait = 6, kClose = 7, kListen = 10;

// UDP reuses the TCP numbers: 7 (CLOSE) is an unconnected socket, 1 a connected one.
std::string state_text(bool udp, unsigned st) {
  if (udp) return st == kEstablished ? "ESTABLISHED" : "UNCONN";
  return std::string(tcp_state_name(st));
}

bool wanted_state(const SocketQuery& q, bool udp, unsigned st) {
  if (q.only_listening) return !udp && st == kListen;
  if (udp) return q.listening || st == kEstablished;
  if (st == kListen) return q.listening;
  if (st == kTimeWait) return q.time_wait;
  return true;
}

// Address bytes in network order -> text; v4-mapped v6 (::ffff:a.b.c.d) as the v4 address.
std::string address_text(int family, const void* bytes) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET6) {
    auto* b = static_cast<const unsigned char*>(bytes);
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(b, kMapped, 12) == 0) return address_text(AF_INET, b + 12);
  }
  if (!::inet_ntop(family, bytes, buf, sizeof buf)) return {};
  return buf;
}

template <typename T>
bool parse_hex(std::string_view s, T& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return !s.empty() && r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

template <typename T>
bool parse_dec(std::string_view s, T& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

// "0100007F:0CEA" (v4) or 32 hex digits + ":PORT" (v6). The kernel prints each 32-bit word of the
// address as the host-order value of network-order bytes, so copying the parsed words back gives the
// network-order address on the machine that wrote the table.
bool parse_endpoint(std::string_view s, int family, std::string& addr, uint16_t& port) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  auto hex = s.substr(0, colon);
  const size_t words = family == AF_INET ? 1 : 4;
  if (hex.size() != words * 8 || !parse_hex(s.substr(colon + 1), port) || s.size() - colon - 1 != 4) return false;
  uint32_t raw[4] = {};
  for (size_t i = 0; i < words; ++i)
    if (!parse_hex(hex.substr(i * 8, 8), raw[i])) return false;
  addr = address_text(family, raw);
  return !addr.empty();
}

std::string table_name(std::string_view proto, int family) {
  return "net/" + std::string(proto) + (family == AF_INET6 ? "6" : "");
}

// Where a scan's sockets go: the query's filter, then the limit on how many are kept.
struct Keeper {
  const SocketQuery& query;
  SocketScan& scan;
  void offer(SocketEntry&& s) {
    if (query.keep && !query.keep(s)) return;
    if (scan.sockets.size() >= kMaxKeptSockets) {
      ++scan.not_kept;
      return;
    }
    scan.sockets.push_back(std::move(s));
  }
};

// A table line is about 150 bytes (tcp6 about 180): a longer one is not the kernel's.
constexpr size_t kMaxTableLine = 4096;
// Malformed lines named in the anomalies; the rest are counted.
constexpr uint64_t kNamedBadLines = 10;

// What the limits left out, in words.
void note_limits(SocketScan& r) {
  if (r.lines_skipped > kNamedBadLines)
    r.anomalies.push_back(std::to_string(r.lines_skipped) + " malformed lines in all (the first " +
                          std::to_string(kNamedBadLines) + " named)");
  if (r.not_kept)
    r.anomalies.push_back("limit reached: " + std::to_string(r.not_kept) + " more sockets matched than the " +
                          std::to_string(kMaxKeptSockets) + " kept; they were not examined");
}

// --- netlink sock_diag -----------------------------------------------------------------------------

uint32_t tcp_state_mask(const SocketQuery& q) {
  uint32_t mask = 0;
  for (unsigned st = 1; st <= 12; ++st)
    if (wanted_state(q, false, st)) mask |= 1u << st;
  return mask;
}

// Dumps one (family, protocol) table. false when netlink itself failed (the caller falls back to procfs).
bool netlink_dump(int family, int protocol, const SocketQuery& q, Keeper& out, std::string& error) {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (!fd) {
    error = std::string("netlink socket: ") + std::strerror(errno);
    return false;
  }
  const bool udp = protocol == IPPROTO_UDP;
  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } msg{};
  msg.nlh.nlmsg_len = sizeof msg;
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.nlh.nlmsg_seq = 1;
  msg.req.sdiag_family = static_cast<uint8_t>(family);
  msg.req.sdiag_protocol = static_cast<uint8_t>(protocol);
  msg.req.idiag_states = udp ? (q.listening ? ~0u : (1u << kEstablished)) : tcp_state_mask(q);
  if (udp && q.only_listening) return true;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd.get(), &msg, sizeof msg, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    error = std::string("netlink send: ") + std::strerror(errno);
    return false;
  }
  std::vector<char> buf(1 << 16);
  for (;;) {
    auto n = ::recv(fd.get(), buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = std::string("netlink receive: ") + std::strerror(errno);
      return false;
    }
    if (n == 0) return true;
    auto len = static_cast<unsigned>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type == NLMSG_DONE) return true;
      if (h->nlmsg_type == NLMSG_ERROR) {
        auto* e = static_cast<nlmsgerr*>(NLMSG_DATA(h));
        error = std::string("netlink: ") + std::strerror(-e->error);
        return false;
      }
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) continue;
      auto* m = static_cast<inet_diag_msg*>(NLMSG_DATA(h));
      if (!wanted_state(q, udp, m->idiag_state)) continue;
      SocketEntry s;
      s.proto = udp ? "udp" : "tcp";
      s.family = m->idiag_family;
      s.local_addr = address_text(m->idiag_family, m->id.idiag_src);
      s.remote_addr = address_text(m->idiag_family, m->id.idiag_dst);
      s.local_port = ntohs(m->id.idiag_sport);
      s.remote_port = ntohs(m->id.idiag_dport);
      s.state = state_text(udp, m->idiag_state);
      s.inode = m->idiag_inode;
      s.uid = m->idiag_uid;
      out.offer(std::move(s));
    }
  }
}

}  // namespace

std::string_view tcp_state_name(unsigned state) {
  return state < std::size(kTcpStates) ? kTcpStates[state] : kTcpStates[0];
}

std::optional<SocketEntry> parse_proc_net_line(std::string_view line, std::string_view proto, int family,
                                               std::string* why) {
  auto bad = [&](const char* what) -> std::optional<SocketEntry> {
    if (why) *why = what;
    return std::nullopt;
  };
  auto f = words(line);
  if (f.empty() || f[0] == "sl") return std::nullopt;  // blank, or the header
  // sl local remote st tx:rx tr:when retrnsmt uid timeout inode ...
  if (f.size() < 10 || f[0].back() != ':') return bad("truncated");
  SocketEntry s;
  s.proto = std::string(proto);
  s.family = family;
  unsigned st = 0;
  if (!parse_endpoint(f[1], family, s.local_addr, s.local_port) ||
      !parse_endpoint(f[2], family, s.remote_addr, s.remote_port))
    return bad("bad address");
  if (!parse_hex(f[3], st) || st > 0xff || !parse_dec(f[7], s.uid) || !parse_dec(f[9], s.inode))
    return bad("bad field");
  s.state = state_text(proto == "udp", st);
  return s;
}

std::vector<SocketEntry> parse_proc_net(std::string_view text, std::string_view proto, int family,
                                        std::vector<std::string>* anomalies) {
  std::vector<SocketEntry> out;
  size_t number = 0;
  for (auto line : lines(text)) {
    ++number;
    std::string why;
    if (auto s = parse_proc_net_line(line, proto, family, &why))
      out.push_back(std::move(*s));
    else if (!why.empty() && anomalies)
      anomalies->push_back(table_name(proto, family) + " line " + std::to_string(number) + ": " + why + ": " +
                           printable(line.substr(0, 200)));
  }
  return out;
}

uint64_t socket_inode_of(std::string_view t) {
  constexpr std::string_view kPrefix = "socket:[";
  if (!t.starts_with(kPrefix) || !t.ends_with(']')) return 0;
  uint64_t inode = 0;
  if (!parse_dec(t.substr(kPrefix.size(), t.size() - kPrefix.size() - 1), inode)) return 0;
  return inode;
}

SocketReader::SocketReader(const HostRoot& host) : host_(host) {}

SocketScan SocketReader::scan(const SocketQuery& q) const {
  SocketScan r;
  if (!host_.has_proc()) {
    r.source = "none";
    r.anomalies.emplace_back("no procfs: sockets not read");
    return r;
  }
  struct Table {
    const char* file;
    const char* proto;
    int family;
    int protocol;
    bool want;
  };
  const Table tables[] = {{"net/tcp", "tcp", AF_INET, IPPROTO_TCP, q.tcp},
                          {"net/tcp6", "tcp", AF_INET6, IPPROTO_TCP, q.tcp},
                          {"net/udp", "udp", AF_INET, IPPROTO_UDP, q.udp},
                          {"net/udp6", "udp", AF_INET6, IPPROTO_UDP, q.udp}};
  Keeper keeper{q, r};
  if (host_.proc_is_live()) {
    std::string error;
    bool ok = true;
    for (auto& t : tables)
      if (t.want && !netlink_dump(t.family, t.protocol, q, keeper, error)) {
        ok = false;
        break;
      }
    if (ok) {
      r.source = "netlink";
      note_limits(r);
      return r;
    }
    r.sockets.clear();
    r.not_kept = 0;
    r.anomalies.push_back(error + "; reading " + host_.proc_path() + "/net instead");
  }
  r.source = "procfs";
  for (auto& t : tables) {
    if (!t.want) continue;
    auto fd = host_.open_proc(t.file, O_RDONLY | O_NONBLOCK);
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
      // A kernel without IPv6 has no tcp6/udp6: only a missing v4 table is worth saying.
      if (t.family == AF_INET) r.anomalies.push_back(std::string(t.file) + ": unreadable");
      continue;
    }
    // Line by line: the table may be hundreds of MiB (a busy host, or a procfs made to look like one).
    uint64_t number = 0;
    auto read = read_lines(fd.get(), kMaxTableLine, [&](std::string_view line) {
      ++number;
      std::string why;
      auto s = parse_proc_net_line(line, t.proto, t.family, &why);
      if (!s) {
        if (!why.empty() && r.lines_skipped++ < kNamedBadLines)
          r.anomalies.push_back(std::string(t.file) + " line " + std::to_string(number) + ": " + why + ": " +
                                printable(line.substr(0, 200)));
        return true;
      }
      const bool udp = s->proto == "udp";
      unsigned state = udp ? (s->state == "ESTABLISHED" ? kEstablished : kClose) : 0;
      for (unsigned i = 0; !udp && i < std::size(kTcpStates); ++i)
        if (kTcpStates[i] == s->state) state = i;
      if (wanted_state(q, udp, state)) keeper.offer(std::move(*s));
      return true;
    });
    if (read.too_long) {
      r.lines_skipped += read.too_long;
      r.anomalies.push_back(std::string(t.file) + ": " + std::to_string(read.too_long) + " line(s) longer than " +
                            std::to_string(kMaxTableLine) + " bytes skipped");
    }
    if (read.read_error) r.anomalies.push_back(std::string(t.file) + ": read failed part way");
  }
  note_limits(r);
  return r;
}

void SocketReader::attach_owners(std::vector<SocketEntry>& wanted, const std::vector<int>& first) const {
  std::unordered_map<uint64_t, std::vector<size_t>> by_inode;
  for (size_t i = 0; i < wanted.size(); ++i) {
    wanted[i].pids.clear();
    if (wanted[i].inode) by_inode[wanted[i].inode].push_back(i);
  }
  size_t unowned = by_inode.size();
  if (unowned == 0 || !host_.has_proc()) return;

  auto search = [&](int pid) {
    const std::string dir = std::to_string(pid) + "/fd";
    auto dirfd = host_.open_proc(dir, O_RDONLY | O_DIRECTORY);
    if (!dirfd) return;
    char buf[64];
    for (auto& e : list_fd(dirfd.get())) {
      // Socket links are short; a longer target is not one, and the buffer never needs more.
      auto n = ::readlinkat(dirfd.get(), e.name.c_str(), buf, sizeof buf);
      if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) continue;
      auto inode = socket_inode_of(std::string_view(buf, static_cast<size_t>(n)));
      if (!inode) continue;
      auto it = by_inode.find(inode);
      if (it == by_inode.end()) continue;
      bool newly_owned = wanted[it->second.front()].pids.empty();
      for (auto i : it->second)
        if (std::find(wanted[i].pids.begin(), wanted[i].pids.end(), pid) == wanted[i].pids.end())
          wanted[i].pids.push_back(pid);
      if (newly_owned) --unowned;
    }
  };

  std::vector<int> searched;
  for (int pid : first) {
    if (std::find(searched.begin(), searched.end(), pid) != searched.end()) continue;
    searched.push_back(pid);
    search(pid);
  }
  if (unowned == 0) return;
  std::sort(searched.begin(), searched.end());
  for (auto& e : host_.list_proc(".")) {
    int pid = 0;
    if (!parse_dec(std::string_view(e.name), pid) || pid <= 0) continue;
    if (std::binary_search(searched.begin(), searched.end(), pid)) continue;
    search(pid);
    if (unowned == 0) return;
  }
}

}  // namespace unmine
