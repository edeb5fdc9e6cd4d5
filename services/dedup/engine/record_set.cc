#include "services/dedup/engine/record_set.h"

#include "services/dedup/engine/shared_keys.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <chrono>
#include <numeric>
#include <random>
#include <thread>
#include <unordered_map>

namespace crm::dedup {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Runs body(begin, end) over [0, n) in chunks on `threads` threads; calls
// progress(done) from the first thread now and then.
template <typename Body>
void ParallelFor(size_t n, int threads, size_t chunk, Body body, const std::function<void(int64_t)>& progress = {}) {
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  auto work = [&](bool reporter) {
    while (true) {
      size_t begin = next.fetch_add(chunk);
      if (begin >= n) break;
      size_t end = std::min(n, begin + chunk);
      body(begin, end);
      size_t d = done.fetch_add(end - begin) + (end - begin);
      if (reporter && progress) progress(static_cast<int64_t>(d));
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, false);
  work(true);
  for (auto& t : pool) t.join();
  if (progress) progress(static_cast<int64_t>(n));
}

class UnionFind {
 public:
  explicit UnionFind(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0u); }
  uint32_t Find(uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  // The smaller index stays root, so roots are the earliest member.
  bool Union(uint32_t a, uint32_t b) {
    a = Find(a), b = Find(b);
    if (a == b) return false;
    if (b < a) std::swap(a, b);
    parent_[b] = a;
    return true;
  }

 private:
  std::vector<uint32_t> parent_;
};

uint64_t Fingerprint(const Prepared& p) {
  std::string s;
  s.reserve(128);
  for (const auto& t : p.name.tokens) s += t, s += ' ';
  s += '|';
  s += p.name.han;
  s += '|';
  s += p.company.key;
  for (const auto* list : {&p.emails, &p.phones, &p.ids}) {
    s += '|';
    for (const auto& v : *list) s += v, s += ',';
  }
  for (const auto& v : p.single) s += '|', s += v;
  return std::hash<std::string>{}(s);
}

}  // namespace

RecordSetResult ResolveRecordSet(const Layout& layout, const std::vector<RawRecord>& records, const RecordSetOptions& opt) {
  const auto t_start = Clock::now();
  RecordSetResult result;
  RecordSetStats& st = result.stats;
  const size_t n = records.size();
  const size_t nf = layout.fields().size();
  const int threads = std::max(1, opt.threads);
  st.records = static_cast<int64_t>(n);
  auto report = [&](std::string_view phase, int64_t total) {
    return std::function<void(int64_t)>([&, phase, total](int64_t done) {
      if (opt.progress) opt.progress(phase, done, total);
    });
  };

  // 1. Prepare, then collapse identical prepared records into profiles.
  auto t = Clock::now();
  std::vector<Prepared> prepared(n);
  ParallelFor(
      n, threads, 512,
      [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) prepared[i] = Prepare(layout, records[i], opt.region);
      },
      report("prepare", static_cast<int64_t>(n)));
  std::vector<uint32_t> profile_of(n);
  std::vector<uint32_t> first_record;  // per profile
  std::vector<uint32_t> profile_size;
  {
    std::unordered_map<uint64_t, uint32_t> by_fp;
    by_fp.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      // A record with nothing to compare (every mapped column blank) stays on
      // its own: blank records are not one person.
      if (prepared[i].Empty()) {
        profile_of[i] = static_cast<uint32_t>(first_record.size());
        first_record.push_back(static_cast<uint32_t>(i));
        profile_size.push_back(1);
        continue;
      }
      auto [it, fresh] = by_fp.emplace(Fingerprint(prepared[i]), static_cast<uint32_t>(first_record.size()));
      if (fresh) {
        first_record.push_back(static_cast<uint32_t>(i));
        profile_size.push_back(0);
      }
      profile_of[i] = it->second;
      profile_size[it->second]++;
    }
  }
  const size_t np = first_record.size();
  st.profiles = static_cast<int64_t>(np);
  auto P = [&](uint32_t profile) -> Prepared& { return prepared[first_record[profile]]; };

  // Term frequencies per field, over profiles.
  {
    std::vector<std::unordered_map<uint64_t, uint32_t>> counts(nf);
    auto value_hash = [&](const Prepared& p, size_t f) -> uint64_t {
      switch (layout.fields()[f].kind) {
        case FieldKind::kName:
          return p.name.empty() ? 0 : p.name.letters;
        case FieldKind::kCompany:
          return p.company.empty() ? 0 : std::hash<std::string>{}(p.company.key);
        default:
          return p.single[f].empty() ? 0 : std::hash<std::string>{}(p.single[f]);
      }
    };
    for (size_t f = 0; f < nf; ++f) {
      if (!layout.fields()[f].term_frequency) continue;
      for (size_t q = 0; q < np; ++q) {
        uint64_t h = value_hash(P(q), f);
        if (h) counts[f][h]++;
      }
      for (size_t q = 0; q < np; ++q) {
        uint64_t h = value_hash(P(q), f);
        if (h) P(q).tf[f] = static_cast<float>(counts[f][h]) / static_cast<float>(np);
      }
    }
  }
  st.prepare_s = Since(t);

  // 2. Deterministic keys.
  t = Clock::now();
  UnionFind uf(np);
  std::vector<std::pair<uint64_t, char>> anchors;  // profile pairs joined by a key, and the key's kind
  {
    std::unordered_map<std::string, std::vector<uint32_t>> groups;
    for (size_t q = 0; q < np; ++q) {
      for (auto& k : DeterministicKeys(P(q))) groups[std::string(1, k.type) + k.value].push_back(q);
    }
    st.deterministic_keys = static_cast<int64_t>(groups.size());
    for (auto& [key, members] : groups) {
      if (members.size() < 2) continue;
      std::vector<const NameValue*> names;
      for (uint32_t q : members) names.push_back(&P(q).name);
      if (KeyIsShared(names)) {
        st.shared_keys++;
        continue;
      }
      for (size_t i = 1; i < members.size(); ++i) {
        st.deterministic_joins += uf.Union(members[0], members[i]);
        if (i <= 8) anchors.push_back({(static_cast<uint64_t>(members[0]) << 32) | members[i], key[0]});
      }
    }
  }
  st.keys_s = Since(t);

  // 3. Blocking.
  t = Clock::now();
  std::vector<uint64_t> pairs;  // (low profile << 32) | high profile
  {
    std::vector<std::pair<uint64_t, uint32_t>> entries;
    for (size_t q = 0; q < np; ++q) {
      for (uint64_t k : BlockingKeys(layout, P(q))) entries.emplace_back(k, static_cast<uint32_t>(q));
    }
    std::sort(entries.begin(), entries.end());
    for (size_t i = 0; i < entries.size();) {
      size_t j = i;
      while (j < entries.size() && entries[j].first == entries[i].first) ++j;
      size_t size = j - i;
      if (size >= 2) {
        st.blocks++;
        if (size > opt.max_block) {
          st.oversized_blocks++;
          result.oversized.push_back({records[first_record[entries[i].second]].id, size});
        } else {
          for (size_t a = i; a < j; ++a) {
            for (size_t b = a + 1; b < j; ++b) {
              uint32_t x = entries[a].second, y = entries[b].second;
              if (x > y) std::swap(x, y);
              pairs.push_back((static_cast<uint64_t>(x) << 32) | y);
            }
          }
        }
      }
      i = j;
    }
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    std::sort(result.oversized.begin(), result.oversized.end(),
              [](const auto& a, const auto& b) { return a.size > b.size; });
    if (result.oversized.size() > 20) result.oversized.resize(20);
  }
  st.blocking_s = Since(t);

  // 4. Estimate: u from random pairs, m by EM over a sample of candidate pairs.
  t = Clock::now();
  result.model = Model(layout);
  {
    std::mt19937_64 rng(opt.seed);
    size_t nr = np >= 2 ? opt.random_pairs : 0;
    std::vector<uint8_t> random_levels(nr * nf);
    for (size_t r = 0; r < nr; ++r) {
      uint32_t a = static_cast<uint32_t>(rng() % np), b = static_cast<uint32_t>(rng() % np);
      if (a == b) b = (b + 1) % np;
      Compare(layout, P(a), P(b), &random_levels[r * nf]);
    }
    size_t ne = std::min(pairs.size(), opt.em_pairs);
    std::vector<uint8_t> em_levels(ne * nf);
    double stride = ne ? static_cast<double>(pairs.size()) / ne : 1;
    ParallelFor(ne, threads, 4096, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) {
        uint64_t pr = pairs[static_cast<size_t>(i * stride)];
        Compare(layout, P(pr >> 32), P(pr & 0xffffffffu), &em_levels[i * nf]);
      }
    });
    std::vector<uint8_t> anchor_levels(anchors.size() * nf);
    std::vector<char> anchor_kinds(anchors.size());
    for (size_t i = 0; i < anchors.size(); ++i) {
      Compare(layout, P(anchors[i].first >> 32), P(anchors[i].first & 0xffffffffu), &anchor_levels[i * nf]);
      anchor_kinds[i] = anchors[i].second;
    }
    st.comparisons += static_cast<int64_t>(nr + ne + anchors.size());
    result.model.Estimate(em_levels, random_levels, anchor_levels, anchor_kinds, np);
    if (!opt.model_yaml.empty()) {
      auto s = result.model.ApplyYaml(opt.model_yaml);
      (void)s;  // validated by the caller before the run
    }
  }
  // EM's prior is the share of matches among blocked pairs; scores are
  // evidence against all pairs, so the prior is rescaled to all pairs.
  if (np >= 2 && !pairs.empty()) {
    double all_pairs = static_cast<double>(np) * static_cast<double>(np - 1) / 2.0;
    result.model.set_prior(std::clamp(result.model.prior() * static_cast<double>(pairs.size()) / all_pairs, 1e-12, 0.5));
  }
  std::erase_if(pairs, [&](uint64_t pr) { return uf.Find(pr >> 32) == uf.Find(pr & 0xffffffffu); });
  st.candidate_pairs = static_cast<int64_t>(pairs.size());
  st.estimate_s = Since(t);

  // 5. Score every candidate pair; merge the sure ones (best first), queue the doubtful.
  t = Clock::now();
  struct Scored {
    double p;
    uint64_t pair;
  };
  std::vector<Scored> scored;  // pairs at or above `lower`
  {
    // The score at which the probability reaches `lower` (a little below, for rounding).
    const double prior = result.model.prior();
    const double min_score =
        std::log2(opt.lower / (1 - opt.lower)) - std::log2(prior / (1 - prior)) - 1e-6;
    std::mutex mu;
    ParallelFor(
        pairs.size(), threads, 16384,
        [&](size_t b, size_t e) {
          std::vector<uint8_t> levels(nf);
          std::vector<Scored> local;
          for (size_t i = b; i < e; ++i) {
            const Prepared& x = P(pairs[i] >> 32);
            const Prepared& y = P(pairs[i] & 0xffffffffu);
            Compare(layout, x, y, levels.data());
            double score = result.model.Score(levels.data(), x);
            if (score < min_score) continue;  // below `lower`: no probability needed
            double p = result.model.Probability(score);
            if (p >= opt.lower) local.push_back({p, pairs[i]});
          }
          std::lock_guard lock(mu);
          scored.insert(scored.end(), local.begin(), local.end());
        },
        report("compare", static_cast<int64_t>(pairs.size())));
  }
  st.comparisons += static_cast<int64_t>(pairs.size());
  std::sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
    return a.p != b.p ? a.p > b.p : a.pair < b.pair;
  });
  for (const auto& s : scored) {
    uint32_t a = static_cast<uint32_t>(s.pair >> 32), b = static_cast<uint32_t>(s.pair & 0xffffffffu);
    if (s.p >= opt.upper) {
      st.auto_merges += uf.Union(a, b);
    } else if (uf.Find(a) != uf.Find(b)) {
      result.review.push_back({first_record[a], first_record[b], s.p});
    }
  }
  // A doubtful pair that a later sure merge joined is no longer in doubt.
  std::erase_if(result.review, [&](const ReviewPair& r) { return uf.Find(profile_of[r.a]) == uf.Find(profile_of[r.b]); });
  st.review_pairs = static_cast<int64_t>(result.review.size());
  st.scoring_s = Since(t);

  // Clusters named by their earliest record.
  result.cluster.resize(n);
  std::vector<uint32_t> root_first(np, UINT32_MAX);
  for (size_t i = 0; i < n; ++i) {
    uint32_t root = uf.Find(profile_of[i]);
    if (root_first[root] == UINT32_MAX) {
      root_first[root] = static_cast<uint32_t>(i);
      st.clusters++;
    }
    result.cluster[i] = root_first[root];
  }
  st.total_s = Since(t_start);
  return result;
}

}  // namespace crm::dedup
