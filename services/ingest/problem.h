#pragma once

#include <string>

namespace crm::ingest {

// Why an input was rejected: a reason code from docs/RAW_EVENTS.md, the
// offending field's path, and a message for humans.
struct Problem {
  std::string code;
  std::string field_path;
  std::string message;
};

}  // namespace crm::ingest
