#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crm {

// Whether a failed operation may succeed when tried again unchanged (broker
// or server down, timeout, back-pressure). Callers retry only these.
inline bool IsRetryable(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

}  // namespace crm

#define CRM_STATUS_CONCAT_INNER(a, b) a##b
#define CRM_STATUS_CONCAT(a, b) CRM_STATUS_CONCAT_INNER(a, b)

// Returns from the enclosing function when `expr` yields a non-OK status.
#define CRM_RETURN_IF_ERROR(expr)                 \
  do {                                            \
    ::absl::Status crm_status_ = (expr);          \
    if (!crm_status_.ok()) return crm_status_;    \
  } while (0)

// `lhs = value of statusor_expr`, or return its error.
#define CRM_ASSIGN_OR_RETURN(lhs, expr) \
  CRM_ASSIGN_OR_RETURN_IMPL(CRM_STATUS_CONCAT(crm_statusor_, __LINE__), lhs, expr)
#define CRM_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
