#pragma once

// A feature matrix with labels, as both models take it: row-major floats,
// NaN for a value that does not exist.

#include <cstddef>
#include <vector>

namespace crm::scoring::retention {

struct Dataset {
  size_t cols = 0;
  std::vector<float> x;  // rows() x cols, row-major
  std::vector<bool> y;

  size_t rows() const { return y.size(); }
  const float* row(size_t i) const { return x.data() + i * cols; }
  void Add(const std::vector<float>& features, bool label) {
    x.insert(x.end(), features.begin(), features.end());
    y.push_back(label);
  }
};

}  // namespace crm::scoring::retention
