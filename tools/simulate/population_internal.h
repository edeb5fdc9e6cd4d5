#pragma once

// Internal to the population*.cc files: helpers that companies, persons and
// renderings share. population.h is the public interface.

#include <string>
#include <string_view>

#include "tools/simulate/names.h"

namespace crm::simulate::internal {

// Lower-case ASCII letters and digits only (for e-mail local parts and domains).
std::string Slug(std::string_view s);
// The foreign country with ISO code `iso`, nullptr when not in ForeignCountries().
const Country* FindCountry(const std::string& iso);

}  // namespace crm::simulate::internal
