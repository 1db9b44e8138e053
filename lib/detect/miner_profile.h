#pragma once
// identify's profile of one miner: family, version, algorithm, wallets, pools, worker, config, image hash,
// ancestry, container, connections, for a running process or for a file on disk (binary, config, script).
// Reads the host through HostRoot, never changes it, never runs anything.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "detect/miner.h"
#include "host/host_root.h"
#include "host/process.h"
#include "host/sockets.h"
#include "model/finding.h"
#include "playbook/indicators.h"

namespace unmine {

// What kind of file `identify --file` looked at.
enum class FileType { binary, config, script };
std::string_view to_string(FileType t);

struct FileProfile {
  std::string path;  // as given, inside the root
  FileType type = FileType::script;
  uint64_t size = 0;
  bool truncated = false;  // larger than what is read for strings (the hash still covers all of it)
  MinerInfo info;          // family, version, wallets, pools, config fields; exe_sha256 is the file's sha256

  nlohmann::json to_json() const;
};

class MinerProfiler {
 public:
  MinerProfiler(const HostRoot& host, const Indicators& indicators);
  ~MinerProfiler();

  // Profiles a process. Findings this adds (others come from triage): process.config for the config
  // it read (saying when it is not valid JSON) and file.miner_binary when the running image carries a
  // miner's user agent.
  MinerInfo profile(const Process& proc, std::vector<Finding>* findings = nullptr);
  // nullopt when the process is gone.
  std::optional<MinerInfo> profile_pid(int pid, std::vector<Finding>* findings = nullptr);
  // A file inside the root: a binary (user agent, embedded pools and wallets), a config (JSON or not),
  // or a script (miner invocations, pool URLs, wallets). Throws RuntimeError when it cannot be read.
  FileProfile profile_file(const std::string& path, std::vector<Finding>* findings = nullptr);

  // Sockets already read by the caller (at least those of the processes it will profile): the profiler
  // then does not scan them again.
  void use_sockets(SocketScan scan);
  // Without them, each profiled process's own sockets are read for it; notes say what could not be read.
  const std::vector<std::string>& notes() const { return notes_; }
  // false: a limit left sockets unread or unexamined (the notes say which).
  bool complete() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<std::string> notes_;
};

// One-shot forms.
MinerInfo profile_miner(const HostRoot& host, const Indicators& indicators, const Process& proc,
                        std::vector<Finding>* findings = nullptr);
FileProfile profile_file(const HostRoot& host, const Indicators& indicators, const std::string& path,
                         std::vector<Finding>* findings = nullptr);

// The image a container runtime's metadata under the root names for a container id (docker
// config.v2.json, podman/cri-o containers.json and userdata/config.json); empty when none is readable.
std::string container_image(const HostRoot& host, const ContainerRef& container);

}  // namespace unmine
