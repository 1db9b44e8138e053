#pragma once
// Name-based UUIDs (RFC 9562 version 5, SHA-1): STIX 2.1 deterministic identifiers.
#include <string>
#include <string_view>

namespace unmine {

// namespace_uuid: "00abedb4-aa42-466c-9c01-fed23315a9b7"-style text. Throws RuntimeError when malformed.
std::string uuid_v5(std::string_view namespace_uuid, std::string_view name);

}  // namespace unmine
