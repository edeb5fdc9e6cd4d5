#pragma once

// crm.v1.LifecycleService over the lifecycle store: a customer's stages and
// history, the customers in a stage by value (the retention call list), the
// funnel per edition, the warnings since a time.

#include <functional>
#include <memory>
#include <mutex>

#include "common/redis/redis_client.h"
#include "crm/v1/lifecycle.grpc.pb.h"
#include "services/lifecycle/engine.h"
#include "services/lifecycle/store.h"

namespace crm::lifecycle {

class LifecycleServiceImpl final : public crm::v1::LifecycleService::Service {
 public:
  struct Options {
    std::string prefix = "lifecycle:";
    std::function<Calendars()> calendars;
    int partitions = 1;  // of the profiles topic, for the clock
  };
  LifecycleServiceImpl(std::unique_ptr<redis::RedisClient> redis, Options options);

  grpc::Status GetStage(grpc::ServerContext*, const crm::v1::GetStageRequest*, crm::v1::GetStageResponse*) override;
  grpc::Status ListStage(grpc::ServerContext*, const crm::v1::ListStageRequest*, crm::v1::ListStageResponse*) override;
  grpc::Status GetFunnel(grpc::ServerContext*, const crm::v1::GetFunnelRequest*, crm::v1::GetFunnelResponse*) override;
  grpc::Status ListWarnings(grpc::ServerContext*, const crm::v1::ListWarningsRequest*,
                            crm::v1::ListWarningsResponse*) override;
  grpc::Status ExportSeries(grpc::ServerContext*, const crm::v1::ExportSeriesRequest*,
                            grpc::ServerWriter<crm::v1::CustomerStage>*) override;

 private:
  std::mutex mu_;  // one call at a time on the connection
  std::unique_ptr<redis::RedisClient> redis_;
  LifecycleStore store_;
  Options options_;
};

// The funnel of one series from its records: customers per stage at each
// closed edition, the moves between consecutive editions of the calendar,
// and customers per current stage. Pure; the service feeds it a scan.
class FunnelCounter {
 public:
  explicit FunnelCounter(std::vector<CalendarEdition> calendar) : calendar_(std::move(calendar)) {}
  void Add(const crm::v1::LifecycleRecord& record);
  crm::v1::GetFunnelResponse Finish(const std::string& show_id) const;

 private:
  std::vector<CalendarEdition> calendar_;
  std::map<std::pair<std::string, int>, uint64_t> at_edition_;
  std::map<std::tuple<size_t, int, int>, uint64_t> moves_;  // (edition index, from, to)
  std::map<int, uint64_t> current_;
};

}  // namespace crm::lifecycle
