#include "services/dedup/stream/dedup_app.h"

#include <condition_variable>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/grpc/server.h"
#include "common/kafka/reader.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/util/proto_time.h"
#include "common/util/strings.h"

namespace crm::dedup {
namespace {

#include "services/dedup/stream/default_model.inc"

using crm::v1::IdentityEvent;

// Counters by label, cached per thread: these are bumped for every event,
// and the registry lookup takes its lock.
metrics::Counter& Duplicates(const std::string& kind) {
  thread_local std::map<std::string, metrics::Counter*> cache;
  auto& c = cache[kind];
  if (!c) {
    c = &metrics::Registry::Default().GetCounter("crm_dedup_duplicates_total",
                                                 "Events dropped or folded as duplicates, by kind", {{"kind", kind}});
  }
  return *c;
}
metrics::Counter& Resolved(const std::string& rule) {
  thread_local std::map<std::string, metrics::Counter*> cache;
  auto& c = cache[rule];
  if (!c) {
    c = &metrics::Registry::Default().GetCounter("crm_dedup_resolved_total", "Events resolved to a customer, by rule",
                                                 {{"rule", rule}});
  }
  return *c;
}
metrics::Histogram& EventSeconds() {
  static metrics::Histogram& h = metrics::Registry::Default().GetHistogram(
      "crm_dedup_slice_seconds",
      "Time to check and resolve one worker's slice of a batch, Redis included (bounds each event's time in dedup)",
      metrics::LatencyBuckets());
  return h;
}

// Waits for a set of delivery reports.
class Acks {
 public:
  kafka::DeliveryCallback Callback() {
    std::lock_guard l(mu_);
    ++outstanding_;
    return [this](const kafka::Delivery& d) {
      std::lock_guard l(mu_);
      if (!d.status.ok() && status_.ok()) status_ = d.status;
      if (--outstanding_ == 0) cv_.notify_all();
    };
  }
  void Failed(absl::Status st) {
    std::lock_guard l(mu_);
    --outstanding_;
    if (status_.ok()) status_ = std::move(st);
  }
  absl::Status Wait() {
    std::unique_lock l(mu_);
    cv_.wait(l, [&] { return outstanding_ == 0; });
    return status_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int outstanding_ = 0;
  absl::Status status_;
};

absl::Status PublishAll(kafka::Publisher& producer, const std::string& topic,
                        const std::vector<std::pair<std::string, std::string>>& records, Acks& acks) {
  for (const auto& [key, value] : records) {
    auto cb = acks.Callback();
    auto st = producer.Publish(topic, key, value, cb);
    if (!st.ok()) {
      acks.Failed(st);
      return st;
    }
  }
  return absl::OkStatus();
}

std::string CustomerOf(const IdentityEvent& ch) {
  switch (ch.change_case()) {
    case IdentityEvent::kRecordAssigned:
      return ch.record_assigned().customer_id();
    case IdentityEvent::kMerged:
      return ch.merged().survivor_id();
    case IdentityEvent::kUnmerged:
      return ch.unmerged().survivor_id();
    case IdentityEvent::kNeverMerge:
      return ch.never_merge().customer_a();
    case IdentityEvent::kKeyShared:
      return ch.key_shared().customer_id();
    case IdentityEvent::kReviewQueued:
      return ch.review_queued().customer_id();
    default:
      return "";
  }
}

constexpr const char* kTapScript = R"lua(
local v = redis.call('GET', KEYS[1])
local ts, win, d = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if v then
  local lead, first, last, dwell, lastev = string.match(v, '^(.*)|(%-?%d+)|(%-?%d+)|(%d+)|(.*)$')
  first, last, dwell = tonumber(first), tonumber(last), tonumber(dwell)
  if lastev == ARGV[1] or lead == ARGV[1] then return {2, lead, dwell} end
  if math.abs(ts - last) <= win then
    local nl = math.max(last, ts)
    local nd = math.max(dwell, math.floor((nl - first) / 1000) + d)
    redis.call('SET', KEYS[1], lead .. '|' .. first .. '|' .. nl .. '|' .. nd .. '|' .. ARGV[1], 'PX', ARGV[5])
    return {1, lead, nd}
  end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ts .. '|' .. ts .. '|' .. d .. '|' .. ARGV[1], 'PX', ARGV[5])
return {0, ARGV[1], d}
)lua";

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

// ---- EventGate ----

absl::StatusOr<std::vector<EventFate>> EventGate::Check(const std::vector<const crm::v1::Event*>& events,
                                                        const std::vector<std::string>& positions) {
  std::vector<redis::Command> cmds;
  for (size_t i = 0; i < events.size(); ++i) {
    cmds.push_back({"SET", prefix_ + "eid:" + events[i]->event_id(), positions[i], "NX", "GET", "PX",
                    std::to_string(id_ttl_.count())});
  }
  auto r = kv_.Pipeline(cmds);
  if (!r.ok()) return r.status();
  std::vector<EventFate> out;
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& reply = (*r)[i];
    if (reply.is_error()) return absl::FailedPreconditionError(StrCat("redis: ", reply.str));
    out.push_back(reply.is_nil() ? EventFate::kNew
                  : reply.str == positions[i] ? EventFate::kRedelivery
                                              : EventFate::kDuplicate);
  }
  return out;
}

absl::StatusOr<std::vector<EventGate::Lead>> EventGate::Taps(const std::vector<const crm::v1::Event*>& scans) {
  std::vector<redis::Command> cmds;
  for (const auto* scan : scans) {
    const auto& s = scan->booth_scan();
    std::string key = StrCat(prefix_, "tap:", scan->show_id(), "/", scan->edition_id(), "/",
                             scan->identity().badge_id(), "/", s.hall(), "/", s.booth());
    cmds.push_back({"EVAL", kTapScript, "1", key, scan->event_id(),
                    std::to_string(TimestampMillis(scan->occurred_at())), std::to_string(tap_window_.count()),
                    std::to_string(s.dwell_seconds()),
                    std::to_string(std::max<int64_t>(tap_window_.count() * 10, 600'000))});
  }
  std::vector<Lead> out;
  if (cmds.empty()) return out;
  auto r = kv_.Pipeline(cmds);
  if (!r.ok()) return r.status();
  for (size_t i = 0; i < scans.size(); ++i) {
    const auto& reply = (*r)[i];
    if (reply.is_error() || reply.elements.size() != 3) {
      return absl::FailedPreconditionError(StrCat("tap script: ", reply.str));
    }
    Lead lead;
    lead.lead_id = reply.elements[1].str;
    lead.dwell_seconds = static_cast<uint32_t>(reply.elements[2].integer);
    lead.update = lead.lead_id != scans[i]->event_id();
    out.push_back(std::move(lead));
  }
  return out;
}

// ---- IdentityServiceImpl ----

IdentityServiceImpl::IdentityServiceImpl(std::unique_ptr<redis::RedisClient> redis, const Model& model,
                                         IndexOptions options, kafka::Publisher& producer, std::string identity_topic)
    : redis_(std::move(redis)),
      index_(*redis_, model, std::move(options)),
      producer_(producer),
      identity_topic_(std::move(identity_topic)) {}

absl::Status IdentityServiceImpl::Publish(const std::vector<IdentityEvent>& changes) {
  Acks acks;
  std::vector<std::pair<std::string, std::string>> records;
  for (const auto& ch : changes) records.emplace_back(CustomerOf(ch), ch.SerializeAsString());
  auto st = PublishAll(producer_, identity_topic_, records, acks);
  auto acked = acks.Wait();
  return st.ok() ? acked : st;
}

grpc::Status IdentityServiceImpl::Resolve(grpc::ServerContext*, const crm::v1::ResolveRequest* req,
                                          crm::v1::ResolveResponse* resp) {
  std::lock_guard l(mu_);
  auto r = index_.Lookup(req->kind(), req->value());
  if (!r.ok()) return grpcutil::ToGrpc(r.status());
  *resp = *r;
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::GetCustomer(grpc::ServerContext*, const crm::v1::GetCustomerRequest* req,
                                              crm::v1::Customer* resp) {
  if (req->customer_id().empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "customer_id is required");
  std::lock_guard l(mu_);
  auto c = index_.GetCustomer(req->customer_id());
  if (!c.ok()) return grpcutil::ToGrpc(c.status());
  *resp = std::move(*c);
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::ListReviewQueue(grpc::ServerContext*, const crm::v1::ListReviewQueueRequest* req,
                                                  crm::v1::ListReviewQueueResponse* resp) {
  std::lock_guard l(mu_);
  auto items = index_.ReviewQueue(req->limit() ? static_cast<int>(std::min(req->limit(), 1000u)) : 100);
  if (!items.ok()) return grpcutil::ToGrpc(items.status());
  for (auto& i : *items) *resp->add_items() = std::move(i);
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::Merge(grpc::ServerContext*, const crm::v1::MergeRequest* req,
                                        crm::v1::MergeResponse* resp) {
  if (req->customer_a().empty() || req->customer_b().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "customer_a and customer_b are required");
  }
  std::vector<IdentityEvent> changes;
  std::lock_guard l(mu_);
  crm::v1::MatchEvidence ev;
  ev.set_rule("manual");
  ev.set_probability(1.0);
  auto m = index_.Merge(req->customer_a(), req->customer_b(), ev, req->actor().empty() ? "operator" : req->actor(),
                        &changes);
  if (!m.ok()) return grpcutil::ToGrpc(m.status());
  if (auto st = Publish(changes); !st.ok()) return grpcutil::ToGrpc(st);
  *resp->mutable_merge() = *m;
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::Unmerge(grpc::ServerContext*, const crm::v1::UnmergeRequest* req,
                                          crm::v1::UnmergeResponse* resp) {
  if (req->merge_id().empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "merge_id is required");
  std::vector<IdentityEvent> changes;
  std::lock_guard l(mu_);
  auto u = index_.Unmerge(req->merge_id(), req->actor().empty() ? "operator" : req->actor(), req->reason(),
                          req->has_never_merge() ? req->never_merge() : true, &changes);
  if (!u.ok()) return grpcutil::ToGrpc(u.status());
  if (auto st = Publish(changes); !st.ok()) return grpcutil::ToGrpc(st);
  *resp->mutable_unmerge() = *u;
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::MarkNeverMerge(grpc::ServerContext*, const crm::v1::NeverMergeRequest* req,
                                                 crm::v1::NeverMergeResponse*) {
  if (req->customer_a().empty() || req->customer_b().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "customer_a and customer_b are required");
  }
  std::vector<IdentityEvent> changes;
  std::lock_guard l(mu_);
  auto a = index_.Survivor(req->customer_a()), b = index_.Survivor(req->customer_b());
  if (!a.ok() || !b.ok()) return grpcutil::ToGrpc(a.ok() ? b.status() : a.status());
  auto st = index_.NeverMerge(*a, *b, req->actor().empty() ? "operator" : req->actor(), req->reason(), &changes);
  if (!st.ok()) return grpcutil::ToGrpc(st);
  if (auto p = Publish(changes); !p.ok()) return grpcutil::ToGrpc(p);
  return grpc::Status::OK;
}

// ---- DedupApp ----

void DedupApp::AddConfigKeys(config::Schema& schema) {
  schema.String("dedup.events_topic", "crm.events.v1", "Events to resolve")
      .String("dedup.resolved_topic", "crm.resolved.v1", "Resolved events, keyed by customer id")
      .String("dedup.identity_topic", "crm.identity.v1", "Identity index changes (replayable)")
      .String("dedup.consumer_group", "crm-dedup", "Consumer group of the replicas")
      .String("dedup.redis_prefix", "crm:id:", "Prefix of every Redis key of the identity index")
      .String("dedup.model_file", "", "m/u model YAML from `crm-dedup batch --model-out`; empty: built-in")
      .String("dedup.upper", "0.9999", "Match probability at which records merge automatically")
      .String("dedup.lower", "0.90", "Match probability from which pairs go to the review queue")
      .String("dedup.phone_region", "CN", "Region of phone numbers written without a country code")
      .Duration("dedup.event_id_ttl", "192h", "How long an event id is remembered (duplicates window, >= 7 days)")
      .Duration("dedup.double_tap_window", "60s", "Same badge at the same booth within this is one lead")
      .Int("dedup.workers", 6, "Threads (each with its own Redis connection) resolving a batch; one partition stays on one")
      .Int("dedup.max_batch", 500, "Events per consumed batch")
      .Int("dedup.batches_in_flight", 4, "Batches awaiting broker acks while the next is resolved")
      .Duration("kafka.linger", "1ms", "How long the producer waits to fill a batch")
      .Duration("kafka.delivery_timeout", "30s", "How long the producer retries a message before failing it");
}

DedupApp::~DedupApp() {
  StopConsuming();
  Shutdown();
}

std::unique_ptr<redis::RedisClient> DedupApp::NewRedis() const {
  redis::RedisOptions o;
  o.url = config_.GetString("redis.url");
  o.command_timeout = std::chrono::milliseconds(2000);
  return std::make_unique<redis::RedisClient>(o);
}

absl::Status DedupApp::Init() {
  auto model = LoadModel(config_.GetString("dedup.model_file"));
  if (!model.ok()) return model.status();
  model_ = std::move(*model);
  index_options_.prefix = config_.GetString("dedup.redis_prefix");
  index_options_.region = config_.GetString("dedup.phone_region");
  index_options_.upper = std::atof(config_.GetString("dedup.upper").c_str());
  index_options_.lower = std::atof(config_.GetString("dedup.lower").c_str());
  if (!(index_options_.lower > 0 && index_options_.lower <= index_options_.upper && index_options_.upper < 1)) {
    return absl::InvalidArgumentError("dedup.lower and dedup.upper must satisfy 0 < lower <= upper < 1");
  }
  if (config_.GetDuration("dedup.event_id_ttl") < std::chrono::hours(24 * 7)) {
    return absl::InvalidArgumentError("dedup.event_id_ttl must be at least 7 days");
  }
  auto probe = NewRedis();
  if (auto st = probe->Connect(); !st.ok()) return st;

  kafka::ProducerOptions popt;
  popt.brokers = config_.GetString("kafka.brokers");
  popt.client_id = "crm-dedup";
  popt.delivery_timeout = config_.GetDuration("kafka.delivery_timeout");
  popt.linger = config_.GetDuration("kafka.linger");
  auto producer = kafka::Producer::Create(popt);
  if (!producer.ok()) return producer.status();
  producer_ = std::move(*producer);
  identity_service_ = std::make_unique<IdentityServiceImpl>(NewRedis(), model_, index_options_, *producer_,
                                                            config_.GetString("dedup.identity_topic"));
  return absl::OkStatus();
}

void DedupApp::RegisterServices(service::ServiceHost& host) { host.AddGrpcService(identity_service_.get()); }

absl::Status ResolveSlice(EventGate& gate, IdentityIndex& index, const std::vector<const kafka::Message*>& slice,
                          std::vector<std::pair<std::string, std::string>>* resolved_out,
                          std::vector<IdentityEvent>* changes_out) {
  std::vector<crm::v1::Event> events(slice.size());
  std::vector<const crm::v1::Event*> ptrs;
  std::vector<std::string> positions;
  for (size_t i = 0; i < slice.size(); ++i) {
    if (!events[i].ParseFromString(slice[i]->value) || events[i].event_id().empty()) {
      // Ingest only publishes valid events; anything else is logged and counted, not resolved.
      Duplicates("unreadable").Inc();
      log::Warn("unreadable event skipped", {{"topic", slice[i]->topic},
                                             {"partition", static_cast<int>(slice[i]->partition)},
                                             {"offset", static_cast<long long>(slice[i]->offset)}});
      continue;
    }
    ptrs.push_back(&events[i]);
    positions.push_back(StrCat(slice[i]->topic, "/", slice[i]->partition, "/", slice[i]->offset));
  }
  auto t0 = std::chrono::steady_clock::now();
  auto fates = gate.Check(ptrs, positions);
  if (!fates.ok()) return fates.status();
  // Records seen before resolve in two round trips for the whole slice; only
  // the others are normalized.
  std::vector<const crm::v1::Event*> live;
  std::vector<std::string> record_ids;
  std::set<std::string> replayed;  // record ids of deliveries seen before (crash or failed batch)
  for (size_t k = 0; k < ptrs.size(); ++k) {
    if ((*fates)[k] == EventFate::kDuplicate) {
      Duplicates(ptrs[k]->event_id().rfind("dev:", 0) == 0 ? "reupload" : "event_id").Inc();
      continue;
    }
    live.push_back(ptrs[k]);
    record_ids.push_back(RecordIdOf(ptrs[k]->identity(), ptrs[k]->show_id(), ptrs[k]->edition_id()));
    if ((*fates)[k] == EventFate::kRedelivery) replayed.insert(record_ids.back());
  }
  auto known = index.KnownRecords(record_ids);
  if (!known.ok()) return known.status();
  // A delivery replayed after a failure may have written its record to Redis
  // without the RecordAssigned reaching crm.identity.v1: publish it again
  // (applying it twice is harmless), so the topic can still rebuild the index.
  if (!replayed.empty()) {
    std::vector<std::string> again;
    for (size_t k = 0; k < live.size(); ++k) {
      if (!(*known)[k].empty() && replayed.count(record_ids[k])) again.push_back(record_ids[k]);
    }
    auto records = index.StoredRecords(again);
    if (!records.ok()) return records.status();
    for (auto& ra : *records) {
      IdentityEvent ch;
      ch.set_at_ms(ra.occurred_ms());
      *ch.mutable_record_assigned() = std::move(ra);
      changes_out->push_back(std::move(ch));
    }
  }
  std::vector<const crm::v1::Event*> scans;
  for (const auto* ev : live) {
    if (ev->has_booth_scan() && !ev->identity().badge_id().empty()) scans.push_back(ev);
  }
  auto leads = gate.Taps(scans);
  if (!leads.ok()) return leads.status();
  // The others in one batched resolution (a fixed number of round trips).
  std::vector<const crm::v1::Event*> unknown;
  for (size_t k = 0; k < live.size(); ++k) {
    if ((*known)[k].empty()) unknown.push_back(live[k]);
  }
  std::vector<IdentityIndex::Resolution> resolved;
  if (!unknown.empty()) {
    auto r = index.ResolveMany(unknown, changes_out);
    if (!r.ok()) return r.status();
    resolved = std::move(*r);
  }
  size_t next_scan = 0, next_unknown = 0;
  for (size_t k = 0; k < live.size(); ++k) {
    const crm::v1::Event& ev = *live[k];
    crm::v1::ResolvedEvent out;
    if (next_scan < scans.size() && scans[next_scan] == live[k]) {
      const auto& lead = (*leads)[next_scan++];
      out.set_lead_id(lead.lead_id);
      out.set_lead_dwell_seconds(lead.dwell_seconds);
      out.set_lead_update(lead.update);
      if (lead.update) Duplicates("double_tap").Inc();
    }
    IdentityIndex::Resolution res;
    if (!(*known)[k].empty()) {
      res.customer_id = (*known)[k];
      res.record_id = record_ids[k];
      res.match.set_rule("record");
      res.match.set_probability(1.0);
      res.match.set_matched_record_id(record_ids[k]);
    } else {
      res = std::move(resolved[next_unknown++]);
    }
    *out.mutable_event() = ev;
    out.set_customer_id(res.customer_id);
    out.set_record_id(res.record_id);
    *out.mutable_match() = res.match;
    Resolved(res.match.rule().substr(0, res.match.rule().find(':'))).Inc();
    resolved_out->emplace_back(res.customer_id, out.SerializeAsString());
  }
  if (!ptrs.empty()) EventSeconds().Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return absl::OkStatus();
}

metrics::Histogram& BatchSeconds(const std::string& phase) {
  return metrics::Registry::Default().GetHistogram("crm_dedup_batch_seconds",
                                                   "Time per consumed batch: resolving it, then publishing and "
                                                   "waiting for the broker's acknowledgements",
                                                   metrics::LatencyBuckets(), {{"phase", phase}});
}

void DedupApp::HandleBatch(const std::vector<kafka::Message>& batch, kafka::BatchDone done) {
  auto t0 = std::chrono::steady_clock::now();
  // Partitions are spread over the workers; one partition's events stay in order on one worker.
  const size_t n = workers_.size();
  std::vector<std::vector<const kafka::Message*>> slices(n);
  for (const auto& m : batch) slices[static_cast<size_t>(m.partition) % n].push_back(&m);
  std::vector<std::vector<std::pair<std::string, std::string>>> resolved(n);
  std::vector<std::vector<IdentityEvent>> changes(n);
  std::vector<absl::Status> status(n);
  std::vector<std::function<void()>> tasks;
  for (size_t w = 0; w < n; ++w) {
    tasks.push_back([&, w] { status[w] = ResolveSlice(*workers_[w].gate, *workers_[w].index, slices[w], &resolved[w], &changes[w]); });
  }
  pool_->RunAll(std::move(tasks));
  auto t1 = std::chrono::steady_clock::now();
  BatchSeconds("resolve").Observe(std::chrono::duration<double>(t1 - t0).count());
  // Identity changes first, then the resolved events. The batch is done (and
  // committed, in order) once all are acknowledged; the next batch is
  // resolved meanwhile.
  struct Pending {
    std::mutex mu;
    size_t outstanding = 1;  // released after the last publish call
    absl::Status status;
    kafka::BatchDone done;
    std::chrono::steady_clock::time_point published;
  };
  auto pending = std::make_shared<Pending>();
  pending->done = std::move(done);
  pending->published = t1;
  auto finish = [pending](const absl::Status& st) {
    std::unique_lock l(pending->mu);
    if (!st.ok() && pending->status.ok()) pending->status = st;
    if (--pending->outstanding > 0) return;
    absl::Status result = pending->status;
    l.unlock();
    BatchSeconds("publish").Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - pending->published).count());
    pending->done(result);
  };
  auto publish = [&](const std::string& topic, const std::string& key, const std::string& value) {
    {
      std::lock_guard l(pending->mu);
      pending->outstanding++;
    }
    auto st = producer_->Publish(topic, key, value, [finish](const kafka::Delivery& d) { finish(d.status); });
    if (!st.ok()) finish(st);
  };
  absl::Status first;
  for (size_t w = 0; w < n; ++w) {
    if (first.ok() && !status[w].ok()) first = status[w];
  }
  if (first.ok()) {
    const std::string identity_topic = config_.GetString("dedup.identity_topic");
    const std::string resolved_topic = config_.GetString("dedup.resolved_topic");
    for (size_t w = 0; w < n; ++w) {
      for (const auto& c : changes[w]) publish(identity_topic, CustomerOf(c), c.SerializeAsString());
    }
    for (size_t w = 0; w < n; ++w) {
      for (const auto& [key, value] : resolved[w]) publish(resolved_topic, key, value);
    }
  }
  finish(first);
}

absl::Status DedupApp::StartConsuming() {
  int n = std::max<int>(1, static_cast<int>(config_.GetInt("dedup.workers")));
  for (int i = 0; i < n; ++i) {
    Worker w;
    w.redis = NewRedis();
    w.index = std::make_unique<IdentityIndex>(*w.redis, model_, index_options_);
    w.gate = std::make_unique<EventGate>(*w.redis, index_options_.prefix,
                                         config_.GetDuration("dedup.event_id_ttl"),
                                         config_.GetDuration("dedup.double_tap_window"));
    workers_.push_back(std::move(w));
  }
  pool_ = std::make_unique<WorkerPool>(n);
  kafka::ConsumerOptions copt;
  copt.brokers = config_.GetString("kafka.brokers");
  copt.group_id = config_.GetString("dedup.consumer_group");
  copt.topics = {config_.GetString("dedup.events_topic")};
  copt.client_id = "crm-dedup";
  copt.max_batch = static_cast<size_t>(config_.GetInt("dedup.max_batch"));
  copt.batch_wait = std::chrono::milliseconds(5);
  auto consumer = kafka::Consumer::Create(copt);
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(*consumer);
  consumer_thread_ = std::thread([this] {
    auto st = consumer_->RunAsync(
        [this](const std::vector<kafka::Message>& batch, kafka::BatchDone done) { HandleBatch(batch, std::move(done)); },
        static_cast<size_t>(config_.GetInt("dedup.batches_in_flight")));
    if (!st.ok()) log::Error("events consumer stopped", {{"error", st.ToString()}});
  });
  return absl::OkStatus();
}

absl::Status DedupApp::Rebuild() {
  auto redis = NewRedis();
  IdentityIndex index(*redis, model_, index_options_);
  auto reader = kafka::TopicReader::Create(config_.GetString("kafka.brokers"), config_.GetString("dedup.identity_topic"),
                                           "crm-dedup-rebuild", std::chrono::seconds(30));
  if (!reader.ok()) return reader.status();
  absl::Status first;
  int64_t applied = 0;
  std::thread t([&] {
    (*reader)->Run([&](const kafka::Message& m) {
      IdentityEvent ch;
      if (!ch.ParseFromString(m.value)) return;
      auto st = index.Apply(ch);
      if (!st.ok() && first.ok()) first = st;
      if (++applied % 10000 == 0) log::Info("rebuild progress", {{"applied", static_cast<long long>(applied)}});
    });
  });
  while (!(*reader)->caught_up()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  (*reader)->Stop();
  t.join();
  log::Info("rebuild done", {{"applied", static_cast<long long>(applied)}});
  return first;
}

void DedupApp::StopConsuming() {
  if (consumer_) consumer_->Stop();
  if (consumer_thread_.joinable()) consumer_thread_.join();
}

void DedupApp::Shutdown() {
  if (producer_) {
    auto st = producer_->Flush(config_.GetDuration("kafka.delivery_timeout"));
    if (!st.ok()) log::Warn("producer flush at shutdown", {{"error", st.ToString()}});
  }
}

}  // namespace crm::dedup
