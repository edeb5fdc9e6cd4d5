#pragma once

// Numeric fields of a plain struct by name, for configuration files that set
// some of them (scoring's weights, lifecycle's rules): a table of
// name -> member, Set and Get by name, and the names in table order.

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "common/util/strings.h"

namespace crm {

template <typename T>
class NamedFields {
 public:
  using Member = std::variant<double T::*, int64_t T::*, uint64_t T::*, uint32_t T::*>;
  struct Field {
    const char* name;
    Member member;
  };

  explicit NamedFields(std::vector<Field> fields) : fields_(std::move(fields)) {
    for (const auto& f : fields_) names_.emplace_back(f.name);
  }

  // INVALID_ARGUMENT for an unknown name, a value that is not finite, or a
  // fraction or negative value for a whole-number field.
  absl::Status Set(T& t, std::string_view name, double value) const {
    const Field* f = Find(name);
    if (f == nullptr) return absl::InvalidArgumentError(StrCat("unknown field \"", name, "\""));
    if (!std::isfinite(value)) return absl::InvalidArgumentError(StrCat(name, ": not a finite number"));
    if (auto* d = std::get_if<double T::*>(&f->member)) {
      t.*(*d) = value;
      return absl::OkStatus();
    }
    if (value != std::floor(value) || value < 0 || value > 9e15) {
      return absl::InvalidArgumentError(StrCat(name, ": needs a whole number >= 0, got ", value));
    }
    std::visit([&](auto member) { t.*member = static_cast<std::remove_reference_t<decltype(t.*member)>>(value); },
               f->member);
    return absl::OkStatus();
  }

  // The field's value; NaN for an unknown name.
  double Get(const T& t, std::string_view name) const {
    const Field* f = Find(name);
    if (f == nullptr) return std::numeric_limits<double>::quiet_NaN();
    return std::visit([&](auto member) { return static_cast<double>(t.*member); }, f->member);
  }

  const std::vector<std::string>& names() const { return names_; }

 private:
  const Field* Find(std::string_view name) const {
    for (const auto& f : fields_)
      if (name == f.name) return &f;
    return nullptr;
  }
  std::vector<Field> fields_;
  std::vector<std::string> names_;
};

}  // namespace crm
