#include "evidence/process_evidence.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <set>

#include "core/text.h"
#include "evidence/container_evidence.h"
#include "model/incident.h"

namespace unmine {
namespace {

std::string dirname_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return {};
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string join_path(const std::string& dir, const std::string& rel) {
  if (rel.starts_with('/')) return rel;
  return dir.ends_with('/') ? dir + rel : dir + "/" + rel;
}

bool looks_like_script(std::string_view name, std::string_view head) {
  return head.starts_with("#!") || name.ends_with(".sh") || name.ends_with(".py") || name.ends_with(".pl");
}

bool looks_like_config(std::string_view name) {
  return name.ends_with(".json") || name.ends_with(".conf") || name.ends_with(".cfg") || name.ends_with(".ini") ||
         name.ends_with(".yaml") || name.ends_with(".yml");
}

// A listing of an open folder: name, type, size, mode, owner and times of each entry (not followed).
// At most kMaxListed entries: a working folder of a million files is named, not listed whole (`more`).
nlohmann::json listing_of(int dirfd, bool& more) {
  nlohmann::json out = nlohmann::json::array();
  for (auto& e : list_fd(dirfd, kMaxListed, &more)) {
    struct stat st {};
    nlohmann::json row = {{"name", printable(e.name)}};
    if (::fstatat(dirfd, e.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      row["type"] = S_ISREG(st.st_mode)    ? "file"
                    : S_ISDIR(st.st_mode)  ? "dir"
                    : S_ISLNK(st.st_mode)  ? "symlink"
                    : S_ISFIFO(st.st_mode) ? "fifo"
                    : S_ISSOCK(st.st_mode) ? "socket"
                                           : "other";
      row["size"] = st.st_size;
      row["mode"] = st.st_mode & 07777;
      row["uid"] = st.st_uid;
      row["gid"] = st.st_gid;
      row["mtime"] = iso8601(st.st_mtim.tv_sec);
      row["ctime"] = iso8601(st.st_ctim.tv_sec);
      if (S_ISLNK(st.st_mode)) {
        char buf[4096];
        auto n = ::readlinkat(dirfd, e.name.c_str(), buf, sizeof buf);
        if (n >= 0) row["target"] = printable(std::string_view(buf, static_cast<size_t>(n)));
      }
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

std::vector<std::string> config_paths_in_cmdline(const std::vector<std::string>& cmdline) {
  std::vector<std::string> out;
  for (size_t i = 1; i < cmdline.size(); ++i) {
    const auto& a = cmdline[i];
    if ((a == "-c" || a == "--config") && i + 1 < cmdline.size())
      out.push_back(cmdline[++i]);
    else if (a.starts_with("--config="))
      out.push_back(a.substr(9));
  }
  return out;
}

ProcessEvidence preserve_process(EvidenceStore& es, const HostRoot& host, int pid, const MinerInfo* miner) {
  ProcessEvidence pe;
  pe.pid = pid;
  ProcReader reader(host);
  auto proc = reader.read(pid, kProcEnviron | kProcCgroup);
  if (!proc) {
    pe.notes.push_back("process " + std::to_string(pid) + " not found (exited?)");
    return pe;
  }
  pe.found = true;
  pe.process = proc;
  const std::string dir = std::to_string(pid) + "/";
  auto add = [&](EvidenceItem item) {
    pe.items.push_back(item);
    return item;
  };

  // The image the kernel runs, read through the magic link: works when the file is deleted or a memfd.
  {
    ItemSource src{"exe", proc->exe, pid, std::nullopt, ""};
    if (proc->exe_memfd)
      src.note = "memfd image (fileless), read through /proc/" + std::to_string(pid) + "/exe";
    else if (proc->exe_deleted)
      src.note = "deleted from disk, read through /proc/" + std::to_string(pid) + "/exe";
    if (auto fd = host.open_proc(dir + "exe", O_RDONLY))
      pe.exe = add(es.preserve_fd(fd.get(), src));
    else
      pe.exe = add(es.record_unavailable(src, "failed", "cannot open /proc/" + std::to_string(pid) + "/exe"));
  }

  // Volatile state, gone with the process.
  struct ProcText {
    const char* file;
    const char* kind;
  };
  for (auto [file, kind] : {ProcText{"cmdline", "cmdline"}, ProcText{"environ", "environ"}, ProcText{"maps", "maps"},
                            ProcText{"status", "status"}, ProcText{"stat", "proc"}, ProcText{"cgroup", "proc"},
                            ProcText{"mountinfo", "proc"}}) {
    ItemSource src{kind, "/proc/" + dir + file, pid, std::nullopt, ""};
    if (auto text = host.read_proc(dir + file))
      add(es.preserve_bytes(text->data, src));
    else
      pe.notes.push_back("/proc/" + dir + file + ": unreadable");
  }
  {
    nlohmann::json fds = nlohmann::json::array();
    for (auto& f : reader.fds(pid)) fds.push_back({{"fd", f.fd}, {"target", printable(f.target)}});
    add(es.preserve_bytes(fds.dump(2) + "\n",
                          {"fds", "/proc/" + dir + "fd", pid, std::nullopt, "fd -> target (JSON)"}));
  }
  // A live procfs's cwd is the kernel's magic link; a fixture procfs's is a plain symlink naming a folder
  // of the root ("/"), which resolved inside the procfs tree would list the procfs itself.
  auto cwd = host.proc_is_live()          ? host.open_proc(dir + "cwd", O_RDONLY | O_DIRECTORY)
             : proc->cwd.starts_with('/') ? host.open(proc->cwd, O_RDONLY | O_DIRECTORY)
                                          : UniqueFd();
  if (cwd) {
    bool more = false;
    auto listing = listing_of(cwd.get(), more);
    std::string what = "listing of the working folder (JSON)";
    if (more) {
      what += ", its first " + std::to_string(kMaxListed) + " entries";
      pe.notes.push_back("limit reached: the working folder " + printable(proc->cwd) + " holds more than " +
                         std::to_string(kMaxListed) + " entries: only the first " + std::to_string(kMaxListed) +
                         " are in its listing");
    }
    add(es.preserve_bytes(listing.dump(2) + "\n", {"cwd_listing", proc->cwd, pid, std::nullopt, what}));
  }

  // Config files: what identify found, else what the command line names.
  std::set<std::string> configs;
  if (miner && miner->config_path) configs.insert(*miner->config_path);
  for (auto& c : config_paths_in_cmdline(proc->cmdline)) configs.insert(join_path(proc->cwd, c));
  for (auto& c : configs) add(es.preserve_file(host, c, "config", pid));

  // The folder the miner was dropped into (its executable's and its working folder, when not a system
  // folder): scripts, configs and payloads left beside it.
  std::set<std::string> folders;
  for (auto& d : {dirname_of(proc->exe), proc->cwd})
    if (!d.empty() && d.starts_with('/') && !is_generic_dir(d) && !proc->exe_memfd) folders.insert(d);
  std::set<std::string> done = configs;
  for (auto& folder : folders) {
    size_t count = 0;
    bool more = false;
    // Listed only as far as a few times the files it may preserve (sub-folders and the exe are passed over).
    auto entries = host.list(folder, kMaxListed, &more);
    if (more)
      pe.notes.push_back(printable(folder) + ": more than " + std::to_string(kMaxListed) +
                         " entries: only the first were looked at");
    for (auto& e : entries) {
      auto path = join_path(folder, e.name);
      if (done.count(path)) continue;
      auto st = host.lstat(path);
      if (!st || S_ISDIR(st->st_mode)) continue;
      if (S_ISREG(st->st_mode) && st->st_dev == proc->exe_dev && st->st_ino == proc->exe_ino)
        continue;  // the exe itself
      if (++count > kMaxFolderFiles) {
        pe.notes.push_back(printable(folder) + ": more than " + std::to_string(kMaxFolderFiles) +
                           " files, the rest not preserved");
        break;
      }
      done.insert(path);
      std::string head;
      if (S_ISREG(st->st_mode))
        if (auto c = host.read(path, 2)) head = c->data;
      std::string kind = looks_like_script(e.name, head) ? "script" : looks_like_config(e.name) ? "config" : "file";
      add(es.preserve_file(host, path, kind, pid));
    }
  }

  if (proc->container) {
    auto mountinfo = host.read_proc(dir + "mountinfo");
    auto ce = preserve_container(es, host, *proc->container, mountinfo ? mountinfo->data : std::string(), pid);
    pe.container = ce.meta;
    for (auto& i : ce.items) pe.items.push_back(i);
    for (auto& n : ce.notes) pe.notes.push_back(n);
  }
  return pe;
}

}  // namespace unmine
