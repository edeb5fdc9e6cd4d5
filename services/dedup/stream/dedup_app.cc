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

// Where a slice's time goes: the duplicate gate, known records, double taps,
// resolving new records.
metrics::Histogram& PhaseSeconds(const char* phase) {
  return metrics::Registry::Default().GetHistogram("crm_dedup_slice_phase_seconds",
                                                   "Time per slice phase: gate, known, taps, new",
                                                   metrics::LatencyBuckets(), {{"phase", phase}});
}

struct PhaseClock {
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
  void Lap(metrics::Histogram& h) {
    auto now = std::chrono::steady_clock::now();
    h.Observe(std::chrono::duration<double>(now - last).count());
    last = now;
  }
};

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

// Admits one booth scan. KEYS[1]: the event id's key, KEYS[2]: the tap key
// (show/edition/badge/hall/booth). ARGV: position, id ttl ms, event id,
// occurred ms, window ms, dwell s, tap ttl ms. A duplicate (id seen at
// another position) returns {previous position}; otherwise {previous
// position or "", code, lead id, dwell}: code 0 a new lead, 1 a double tap
// extending the lead, 2 this scan already counted (a replayed delivery).
const redis::Script kAdmitScanScript{R"lua(
local prev = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'GET', 'PX', ARGV[2])
if prev and prev ~= ARGV[1] then return {prev} end
prev = prev or ''
local ev, ts, win, d = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local v = redis.call('GET', KEYS[2])
if v then
  local lead, first, last, dwell, lastev = string.match(v, '^(.*)|(%-?%d+)|(%-?%d+)|(%d+)|(.*)$')
  first, last, dwell = tonumber(first), tonumber(last), tonumber(dwell)
  if lastev == ev or lead == ev then return {prev, 2, lead, dwell} end
  if math.abs(ts - last) <= win then
    local nl = math.max(last, ts)
    local nd = math.max(dwell, math.floor((nl - first) / 1000) + d)
    redis.call('SET', KEYS[2], lead .. '|' .. first .. '|' .. nl .. '|' .. nd .. '|' .. ev, 'PX', ARGV[7])
    return {prev, 1, lead, nd}
  end
end
redis.call('SET', KEYS[2], ev .. '|' .. ts .. '|' .. ts .. '|' .. d .. '|' .. ev, 'PX', ARGV[7])
return {prev, 0, ev, d}
)lua"};

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

bool EventGate::IsScan(const crm::v1::Event& event) {
  return event.has_booth_scan() && !event.identity().badge_id().empty();
}

redis::Command EventGate::AdmitCommand(const crm::v1::Event& event, const std::string& position) const {
  std::string id_key = prefix_ + "eid:" + event.event_id();
  if (!IsScan(event)) return {"SET", std::move(id_key), position, "NX", "GET", "PX", std::to_string(id_ttl_.count())};
  const auto& s = event.booth_scan();
  redis::Command cmd = kAdmitScanScript.Call(2);
  cmd.insert(cmd.end(), {std::move(id_key),
                         StrCat(prefix_, "tap:", event.show_id(), "/", event.edition_id(), "/",
                                event.identity().badge_id(), "/", s.hall(), "/", s.booth()),
                         position, std::to_string(id_ttl_.count()), event.event_id(),
                         std::to_string(TimestampMillis(event.occurred_at())), std::to_string(tap_window_.count()),
                         std::to_string(s.dwell_seconds()),
                         std::to_string(std::max<int64_t>(tap_window_.count() * 10, 600'000))});
  return cmd;
}

absl::StatusOr<EventGate::Admission> EventGate::ParseAdmit(const crm::v1::Event& event, const std::string& position,
                                                           const redis::Reply& reply) const {
  if (reply.is_error()) return absl::FailedPreconditionError(StrCat("redis: ", reply.str));
  auto fate = [&](const std::string& previous) {
    return previous.empty() ? EventFate::kNew : previous == position ? EventFate::kRedelivery : EventFate::kDuplicate;
  };
  Admission a;
  if (!IsScan(event)) {
    a.fate = reply.is_nil() ? EventFate::kNew : fate(reply.str);
    return a;
  }
  if (reply.elements.empty()) return absl::FailedPreconditionError("admit script: empty reply");
  a.fate = fate(reply.elements[0].str);
  if (a.fate == EventFate::kDuplicate) return a;
  if (reply.elements.size() != 4) return absl::FailedPreconditionError("admit script: short reply");
  a.scan = true;
  a.lead.lead_id = reply.elements[2].str;
  a.lead.dwell_seconds = static_cast<uint32_t>(reply.elements[3].integer);
  a.lead.update = a.lead.lead_id != event.event_id();
  return a;
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
  index_options_.samples = std::make_shared<SampleCache>();  // shared by the workers and the gRPC service
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

absl::Status ResolveSlice(redis::KeyValueStore& kv, const EventGate& gate, IdentityIndex& index,
                          const std::vector<const kafka::Message*>& slice,
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
  static metrics::Histogram& admit_s = PhaseSeconds("admit");
  static metrics::Histogram& new_s = PhaseSeconds("new");
  PhaseClock clock;
  // One round trip for the whole slice: each event's admission (duplicate
  // check, double tap) and the customer of its record if seen before, with
  // the probe reads of records that look new (IdentityIndex::AskCommands).
  std::vector<std::string> record_ids;
  std::vector<size_t> admit_at(ptrs.size()), ask_of(ptrs.size());
  std::vector<IdentityIndex::Ask> asks;
  std::map<std::string, size_t> ask_by_record;
  std::vector<redis::Command> cmds;
  for (size_t k = 0; k < ptrs.size(); ++k) {
    record_ids.push_back(RecordIdOf(ptrs[k]->identity(), ptrs[k]->show_id(), ptrs[k]->edition_id()));
    admit_at[k] = cmds.size();
    cmds.push_back(gate.AdmitCommand(*ptrs[k], positions[k]));
    auto [it, fresh] = ask_by_record.emplace(record_ids[k], asks.size());
    ask_of[k] = it->second;
    if (fresh) asks.push_back(index.AskCommands(*ptrs[k], record_ids[k], &cmds));
  }
  auto replies = kv.Pipeline(cmds);
  if (!replies.ok()) return replies.status();
  std::vector<std::string> customers(asks.size());
  for (size_t a = 0; a < asks.size(); ++a) {
    auto customer = index.ParseKnown(asks[a], *replies);
    if (!customer.ok()) return customer.status();
    customers[a] = std::move(*customer);
  }
  std::vector<const crm::v1::Event*> live;
  std::vector<IdentityIndex::Ask*> live_asks;
  std::vector<EventGate::Admission> admitted;
  std::vector<std::string> live_ids, known;
  std::set<std::string> replayed;  // record ids of deliveries seen before (crash or failed batch)
  for (size_t k = 0; k < ptrs.size(); ++k) {
    auto admission = gate.ParseAdmit(*ptrs[k], positions[k], (*replies)[admit_at[k]]);
    if (!admission.ok()) return admission.status();
    if (admission->fate == EventFate::kDuplicate) {
      Duplicates(ptrs[k]->event_id().rfind("dev:", 0) == 0 ? "reupload" : "event_id").Inc();
      continue;
    }
    live.push_back(ptrs[k]);
    live_asks.push_back(&asks[ask_of[k]]);
    live_ids.push_back(record_ids[k]);
    known.push_back(customers[ask_of[k]]);
    if (admission->fate == EventFate::kRedelivery) replayed.insert(record_ids[k]);
    admitted.push_back(std::move(*admission));
  }
  clock.Lap(admit_s);
  // A delivery replayed after a failure may have written its record to Redis
  // without the RecordAssigned reaching crm.identity.v1: publish it again
  // (applying it twice is harmless), so the topic can still rebuild the index.
  if (!replayed.empty()) {
    std::vector<std::string> again;
    for (size_t k = 0; k < live.size(); ++k) {
      if (!known[k].empty() && replayed.count(live_ids[k])) again.push_back(live_ids[k]);
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
  // The others in one batched resolution (a fixed number of round trips).
  std::vector<const crm::v1::Event*> unknown;
  std::vector<IdentityIndex::Ask*> unknown_asks;
  for (size_t k = 0; k < live.size(); ++k) {
    if (!known[k].empty()) continue;
    unknown.push_back(live[k]);
    unknown_asks.push_back(live_asks[k]);
  }
  std::vector<IdentityIndex::Resolution> resolved;
  if (!unknown.empty()) {
    auto r = index.ResolveMany(unknown, unknown_asks, changes_out);
    if (!r.ok()) return r.status();
    resolved = std::move(*r);
    clock.Lap(new_s);
  }
  size_t next_unknown = 0;
  for (size_t k = 0; k < live.size(); ++k) {
    const crm::v1::Event& ev = *live[k];
    crm::v1::ResolvedEvent out;
    if (admitted[k].scan) {
      const auto& lead = admitted[k].lead;
      out.set_lead_id(lead.lead_id);
      out.set_lead_dwell_seconds(lead.dwell_seconds);
      out.set_lead_update(lead.update);
      if (lead.update) Duplicates("double_tap").Inc();
    }
    IdentityIndex::Resolution res;
    if (!known[k].empty()) {
      res.customer_id = known[k];
      res.record_id = live_ids[k];
      res.match.set_rule("record");
      res.match.set_probability(1.0);
      res.match.set_matched_record_id(live_ids[k]);
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
    tasks.push_back([&, w] {
      status[w] = ResolveSlice(*workers_[w].redis, *workers_[w].gate, *workers_[w].index, slices[w], &resolved[w],
                               &changes[w]);
    });
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
    w.gate = std::make_unique<EventGate>(index_options_.prefix,
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
