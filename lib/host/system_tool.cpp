#include "host/system_tool.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace unmine {



ToolRunner system_tools() {
  return [](const std::vector<std::string>& argv) { return run_system_tool(argv); };
}

}  // namespace unmine
