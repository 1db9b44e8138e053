#pragma once
// Every persistence location, in the order scan_persistence reads them. Adding a location is one new
// file (a `void scan_x(ScanContext&)`) and one line in scanners.cpp.
#include <string_view>
#include <vector>

#include "persist/scan_context.h"

namespace unmine {

struct PersistenceScanner {
  std::string_view location;  // what it reads, for a newcomer and for debugging
  void (*scan)(ScanContext&);
};

const std::vector<PersistenceScanner>& persistence_scanners();

}  // namespace unmine
