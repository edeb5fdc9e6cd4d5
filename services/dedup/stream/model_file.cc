#include "services/dedup/stream/model_file.h"

#include <fstream>
#include <sstream>

#include "common/util/strings.h"
#include "services/dedup/engine/model.h"

namespace crm::dedup {
namespace {

#include "services/dedup/stream/default_model.inc"

}  // namespace

absl::StatusOr<Model> LoadModel(const std::string& path) {
  Model model(IdentityLayout());
  std::string text = kDefaultModelYaml;
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) return absl::NotFoundError(StrCat("cannot read model file ", path));
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  if (auto st = model.ApplyYaml(text); !st.ok()) return st;
  return model;
}

}  // namespace crm::dedup
