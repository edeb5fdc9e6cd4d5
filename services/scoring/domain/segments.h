#pragma once

// Segments of a customer in one series (seed 002's 客户细分), the keys of
// the per-series segment indexes that ListCustomers filters by. Pure.
//
//   type:<customer type>          e.g. type:exhibitor, type:professional_visitor
//   knox:<quadrant>               knox:loyal | potential_loyal | false_loyal | disloyal
//   nps:<class>                   nps:promoter | passive | detractor
//   closeness:<c>                 closeness:tight | semi_tight | distant
//   new, returning                took part in the latest edition for the first time / again
//   current, potential            took part in some edition / never yet
//   key_account
//   subtype:<sub type>            when the indicators name one

#include <string>
#include <vector>

#include "crm/v1/profile.pb.h"

namespace crm::scoring {

// Sorted, distinct.
std::vector<std::string> SegmentsOf(const crm::v1::SeriesProfile& series, crm::v1::CustomerType type);

// Editions of the series the customer took part in, sorted.
std::vector<std::string> EditionsTakenPart(const crm::v1::SeriesProfile& series);

// "exhibitor" for CUSTOMER_TYPE_EXHIBITOR and so on; "" for unspecified.
std::string TypeSegment(crm::v1::CustomerType type);
std::string KnoxSegment(crm::v1::KnoxQuadrant knox);

}  // namespace crm::scoring
