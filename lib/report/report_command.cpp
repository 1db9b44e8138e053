#include "report/report_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/hashing.h"
#include "core/text.h"
#include "report/formats.h"
#include "report/report_model.h"

namespace unmine {

void write_output(const std::string& path, const std::string& content) {
  // Reports name wallets, hosts and paths of the incident: readable by the owner and group only.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) throw RuntimeError("cannot write " + path + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < content.size()) {
    auto n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      throw RuntimeError("writing " + path + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) throw RuntimeError("writing " + path + ": " + std::strerror(errno));
}

ExitCode run_report(const CaseStore& store, const Playbook& playbook, const Output& out,
                    const ReportCommandOptions& o) {
  if (o.cost_per_vcpu_hour < 0) throw UsageError("--cost-per-vcpu-hour must not be negative");
  auto format = o.format.empty() ? (out.json() ? "json" : "md") : o.format;
  auto* renderer = find_report_format(format);
  if (!renderer) throw UsageError("unknown report format " + format);
  auto doc = build_report(store, {o.cost_per_vcpu_hour, o.currency}, playbook.json("steps.json"));
  std::string content = renderer->render(doc);

  if (!o.output.empty()) {
    write_output(o.output, content);
    nlohmann::json written = {
        {"format", format}, {"path", o.output}, {"bytes", content.size()}, {"sha256", sha256_hex(content)}};
    if (out.json())
      out.document({{"report", written}});
    else
      out.note("wrote the " + format + " report to " + printable(o.output) + " (" + std::to_string(content.size()) +
               " bytes)");
    return ExitCode::ok;
  }
  if (out.json()) {
    // One JSON document on stdout: the report itself, or a text format wrapped.
    if (renderer->document)
      out.document(renderer->document(doc));
    else
      out.document({{"format", format}, {"content", content}});
    return ExitCode::ok;
  }
  std::fwrite(content.data(), 1, content.size(), stdout);
  return ExitCode::ok;
}

}  // namespace unmine
