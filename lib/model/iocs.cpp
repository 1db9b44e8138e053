#include "model/iocs.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "core/error.h"
#include "core/text.h"

namespace unmine {
namespace {

constexpr std::string_view kTypes[] = {"wallet", "domain",           "ipv4",   "ipv6", "port", "sha256", "path", "dir",
                                       "name",   "persistence_line", "ssh_key"};

bool known_type(std::string_view t) {
  for (auto k : kTypes)
    if (k == t) return true;
  return false;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

std::optional<std::string> unbase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > (64u << 10)) return std::nullopt;
  std::string out(3 * text.size() / 4 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t pad = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

bool is_key_type(std::string_view w) {
  return w.starts_with("ssh-") || w.starts_with("ecdsa-") || w.starts_with("sk-");
}

}  // namespace

void IocSet::add(std::string type, std::string value, nlohmann::json context) {
  if (value.empty() || find(type, value)) return;
  iocs.push_back(
      {std::move(type), std::move(value), context.is_object() ? std::move(context) : nlohmann::json::object()});
}

std::set<std::string> IocSet::values(std::string_view type) const {
  std::set<std::string> out;
  for (auto& i : iocs)
    if (i.type == type) out.insert(i.value);
  return out;
}

const Ioc* IocSet::find(std::string_view type, std::string_view value) const {
  for (auto& i : iocs)
    if (i.value == value && (i.type == type || (type == "ip" && (i.type == "ipv4" || i.type == "ipv6")))) return &i;
  return nullptr;
}

IncidentIndicators IocSet::indicators() const {
  IncidentIndicators ind;
  for (auto& i : iocs) {
    if (i.type == "wallet")
      ind.wallets.insert(i.value);
    else if (i.type == "domain")
      ind.domains.insert(i.value);
    else if (i.type == "ipv4" || i.type == "ipv6")
      ind.ips.insert(i.value);
    else if (i.type == "sha256")
      ind.sha256s.insert(i.value);
    else if (i.type == "path")
      ind.paths.insert(i.value);
    else if (i.type == "dir" && !is_generic_dir(i.value))
      ind.dirs.insert(i.value);
    else if (i.type == "name")
      ind.names.insert(i.value);
    else if (i.type == "port") {
      unsigned long p = std::strtoul(i.value.c_str(), nullptr, 10);
      if (p > 0 && p < 65536) ind.ports.insert(static_cast<uint16_t>(p));
    }
  }
  return ind;
}

nlohmann::json IocSet::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (auto& i : iocs) list.push_back({{"type", i.type}, {"value", printable(i.value)}, {"context", i.context}});
  return {{"format", "unmine-iocs"},
          {"version", kIocFormatVersion},
          {"case", {{"uuid", case_uuid}, {"host", printable(host)}}},
          {"iocs", list}};
}

IocSet IocSet::parse(std::string_view text, const std::string& origin) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  auto bad = [&](const std::string& why) { return RuntimeError("IoC file " + origin + ": " + why, "iocs"); };
  if (j.is_discarded()) throw bad("not JSON");
  if (!j.is_object() || j.value("format", std::string()) != "unmine-iocs" || !j["iocs"].is_array())
    throw bad(
        "not an unmine IoC document (expected format \"unmine-iocs\" and an iocs array; make one with `unmine case "
        "iocs`)");
  if (!j["version"].is_number_integer() || j["version"].get<int64_t>() > kIocFormatVersion)
    throw bad("format version " + j["version"].dump() + " is newer than this unmine reads (" +
              std::to_string(kIocFormatVersion) + ")");
  IocSet s;
  if (j["case"].is_object()) {
    s.case_uuid = j["case"].value("uuid", std::string());
    s.host = j["case"].value("host", std::string());
  }
  size_t n = 0;
  for (auto& e : j["iocs"]) {
    ++n;
    if (!e.is_object() || !e["type"].is_string() || !e["value"].is_string())
      throw bad("entry " + std::to_string(n) + " lacks a string type and value");
    auto type = e["type"].get<std::string>();
    if (!known_type(type)) throw bad("entry " + std::to_string(n) + " has an unknown type '" + printable(type) + "'");
    s.add(type, e["value"].get<std::string>(), e.value("context", nlohmann::json::object()));
  }
  return s;
}

std::optional<std::string> ssh_key_fingerprint(std::string_view key_line) {
  auto w = words(key_line);
  for (size_t i = 0; i + 1 < w.size(); ++i) {
    if (!is_key_type(w[i])) continue;
    auto blob = unbase64(w[i + 1]);
    if (!blob || blob->size() < 4) return std::nullopt;
    std::string digest(EVP_MAX_MD_SIZE, '\0');
    unsigned len = 0;
    if (!EVP_Digest(blob->data(), blob->size(), reinterpret_cast<unsigned char*>(digest.data()), &len, EVP_sha256(),
                    nullptr))
      return std::nullopt;
    digest.resize(len);
    auto b64 = base64(digest);
    while (!b64.empty() && b64.back() == '=') b64.pop_back();
    return "SHA256:" + b64;
  }
  return std::nullopt;
}

}  // namespace unmine
