#include "common/kafka/batch_completion.h"

#include <future>

namespace crm::kafka {

std::shared_ptr<BatchCompletion> BatchCompletion::Create(Done done) {
  return std::shared_ptr<BatchCompletion>(new BatchCompletion(std::move(done)));
}

DeliveryCallback BatchCompletion::Expect() {
  {
    std::lock_guard l(mu_);
    ++outstanding_;
  }
  return [self = shared_from_this()](const Delivery& d) { self->Finish(d.status); };
}

void BatchCompletion::Publish(Publisher& publisher, std::string_view topic, std::string_view key,
                              std::string_view value) {
  auto st = publisher.Publish(topic, key, value, Expect());
  // Refused at once: the callback will never run, so its outcome is this.
  if (!st.ok()) Finish(st);
}

void BatchCompletion::Seal(const absl::Status& status) { Finish(status); }

absl::Status BatchCompletion::status() const {
  std::lock_guard l(mu_);
  return first_error_;
}

void BatchCompletion::Finish(const absl::Status& status) {
  std::unique_lock l(mu_);
  if (!status.ok() && first_error_.ok()) first_error_ = status;
  if (--outstanding_ > 0) return;
  absl::Status result = first_error_;
  Done done = std::move(done_);
  l.unlock();
  done(std::move(result));
}

absl::Status PublishAndWait(Publisher& publisher, std::string_view topic,
                            const std::vector<std::pair<std::string, std::string>>& records) {
  std::promise<absl::Status> reported;
  auto result = reported.get_future();
  auto completion = BatchCompletion::Create([&reported](absl::Status st) { reported.set_value(std::move(st)); });
  for (const auto& [key, value] : records) completion->Publish(publisher, topic, key, value);
  completion->Seal();
  return result.get();
}

}  // namespace crm::kafka
