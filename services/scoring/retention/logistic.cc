#include "services/scoring/retention/logistic.h"

#include <algorithm>
#include <cmath>

namespace crm::scoring::retention {
namespace {

double Sigmoid(double m) { return m >= 0 ? 1.0 / (1.0 + std::exp(-m)) : std::exp(m) / (1.0 + std::exp(m)); }

// log(1 + e^m) without overflow.
double Softplus(double m) { return m > 0 ? m + std::log1p(std::exp(-m)) : std::log1p(std::exp(m)); }

// Solves a x = b (a is n x n, row-major, overwritten) by Gaussian elimination
// with partial pivoting. False when a is singular.
bool Solve(std::vector<double>& a, std::vector<double>& b, size_t n) {
  for (size_t c = 0; c < n; ++c) {
    size_t pivot = c;
    for (size_t r = c + 1; r < n; ++r)
      if (std::abs(a[r * n + c]) > std::abs(a[pivot * n + c])) pivot = r;
    if (std::abs(a[pivot * n + c]) < 1e-300) return false;
    if (pivot != c) {
      for (size_t k = 0; k < n; ++k) std::swap(a[c * n + k], a[pivot * n + k]);
      std::swap(b[c], b[pivot]);
    }
    for (size_t r = c + 1; r < n; ++r) {
      const double f = a[r * n + c] / a[c * n + c];
      if (f == 0) continue;
      for (size_t k = c; k < n; ++k) a[r * n + k] -= f * a[c * n + k];
      b[r] -= f * b[c];
    }
  }
  for (size_t c = n; c-- > 0;) {
    double s = b[c];
    for (size_t k = c + 1; k < n; ++k) s -= a[c * n + k] * b[k];
    b[c] = s / a[c * n + c];
  }
  return true;
}

}  // namespace

LogisticModel LogisticModel::Fit(const Dataset& data, const LogisticOptions& options) {
  LogisticModel m;
  const size_t n = data.rows(), d = data.cols, p = d + 1;
  m.mean_.assign(d, 0);
  m.scale_.assign(d, 1);
  m.beta_.assign(p, 0);
  for (size_t j = 0; j < d; ++j) {
    double sum = 0;
    size_t count = 0;
    for (size_t i = 0; i < n; ++i) {
      const float v = data.row(i)[j];
      if (!std::isnan(v)) sum += v, ++count;
    }
    m.mean_[j] = count ? sum / static_cast<double>(count) : 0.0;
    double ss = 0;
    for (size_t i = 0; i < n; ++i) {
      const float v = data.row(i)[j];
      const double z = std::isnan(v) ? 0.0 : v - m.mean_[j];
      ss += z * z;
    }
    const double sd = n ? std::sqrt(ss / static_cast<double>(n)) : 0.0;
    m.scale_[j] = sd > 1e-12 ? sd : 0.0;  // 0: constant column, weight stays 0
  }
  // Standardized design with the intercept column first.
  std::vector<double> z(n * p);
  for (size_t i = 0; i < n; ++i) {
    z[i * p] = 1.0;
    for (size_t j = 0; j < d; ++j) {
      const float v = data.row(i)[j];
      z[i * p + 1 + j] = std::isnan(v) || m.scale_[j] == 0 ? 0.0 : (v - m.mean_[j]) / m.scale_[j];
    }
  }
  auto loss = [&](const std::vector<double>& beta) {
    double l = 0;
    for (size_t i = 0; i < n; ++i) {
      double margin = 0;
      for (size_t k = 0; k < p; ++k) margin += z[i * p + k] * beta[k];
      l += Softplus(margin) - (data.y[i] ? margin : 0.0);
    }
    for (size_t k = 1; k < p; ++k) l += 0.5 * options.l2 * beta[k] * beta[k];
    return l;
  };
  double current = loss(m.beta_);
  for (int it = 0; it < options.max_iterations; ++it) {
    m.iterations_ = it + 1;
    std::vector<double> grad(p, 0), hess(p * p, 0);
    for (size_t i = 0; i < n; ++i) {
      const double* zi = &z[i * p];
      double margin = 0;
      for (size_t k = 0; k < p; ++k) margin += zi[k] * m.beta_[k];
      const double pr = Sigmoid(margin);
      const double w = pr * (1 - pr), r = pr - (data.y[i] ? 1.0 : 0.0);
      for (size_t a = 0; a < p; ++a) {
        grad[a] += r * zi[a];
        if (zi[a] == 0) continue;
        for (size_t b = a; b < p; ++b) hess[a * p + b] += w * zi[a] * zi[b];
      }
    }
    for (size_t a = 0; a < p; ++a)
      for (size_t b = 0; b < a; ++b) hess[a * p + b] = hess[b * p + a];
    for (size_t k = 1; k < p; ++k) {
      grad[k] += options.l2 * m.beta_[k];
      hess[k * p + k] += options.l2;
    }
    // A constant column has an all-zero row; keep the system solvable.
    for (size_t k = 0; k < p; ++k) hess[k * p + k] += 1e-10;
    if (!Solve(hess, grad, p)) break;
    // Newton step, halved while it does not lower the penalized loss.
    double step = 1.0;
    std::vector<double> next(p);
    double next_loss = current;
    for (int h = 0; h < 30; ++h, step /= 2) {
      for (size_t k = 0; k < p; ++k) next[k] = m.beta_[k] - step * grad[k];
      next_loss = loss(next);
      if (next_loss <= current) break;
    }
    double moved = 0;
    for (size_t k = 0; k < p; ++k) moved = std::max(moved, std::abs(next[k] - m.beta_[k]));
    if (next_loss > current) break;
    m.beta_ = next;
    current = next_loss;
    if (moved < options.tolerance) break;
  }
  return m;
}

double LogisticModel::Margin(const float* row) const {
  double margin = beta_.empty() ? 0.0 : beta_[0];
  for (size_t j = 0; j < mean_.size(); ++j) {
    if (scale_[j] == 0 || std::isnan(row[j])) continue;  // the mean: z = 0
    margin += beta_[j + 1] * (row[j] - mean_[j]) / scale_[j];
  }
  return margin;
}

double LogisticModel::Predict(const float* row) const { return Sigmoid(Margin(row)); }

std::vector<double> LogisticModel::PredictAll(const Dataset& data) const {
  std::vector<double> out(data.rows());
  for (size_t i = 0; i < data.rows(); ++i) out[i] = Predict(data.row(i));
  return out;
}

}  // namespace crm::scoring::retention
