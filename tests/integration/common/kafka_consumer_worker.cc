// Test helper process: consumes a topic in a consumer group with the
// project's Consumer and records every handled message as a line
// "<partition> <offset>" in a log file, written before the handler returns,
// i.e. before the consumer may commit. The test SIGKILLs this process and
// compares the log with the group's committed offsets.
//
// usage: kafka_consumer_worker BROKERS TOPIC GROUP LOGFILE [BATCH_DELAY_MS] [async]
// With "async", batches run pipelined (RunAsync, 4 in flight) and finish in
// random order, each on a thread of its own.

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <atomic>
#include <thread>

#include "common/kafka/consumer.h"

namespace {
crm::kafka::Consumer* g_consumer = nullptr;
void OnTerm(int) {
  if (g_consumer) g_consumer->Stop();
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s BROKERS TOPIC GROUP LOGFILE [BATCH_DELAY_MS]\n", argv[0]);
    return 2;
  }
  int delay_ms = argc > 5 ? std::atoi(argv[5]) : 0;
  int fd = ::open(argv[4], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::perror("open log");
    return 1;
  }
  crm::kafka::ConsumerOptions opt;
  opt.brokers = argv[1];
  opt.topics = {argv[2]};
  opt.group_id = argv[3];
  opt.client_id = "worker";
  opt.max_batch = 500;
  opt.session_timeout = std::chrono::milliseconds(6000);
  auto consumer = crm::kafka::Consumer::Create(opt);
  if (!consumer.ok()) {
    std::fprintf(stderr, "%s\n", consumer.status().ToString().c_str());
    return 1;
  }
  g_consumer = consumer->get();
  std::signal(SIGTERM, OnTerm);
  bool async = argc > 6 && std::string(argv[6]) == "async";
  auto write_batch = [fd](const std::vector<crm::kafka::Message>& batch) {
    std::string lines;
    for (const auto& m : batch) lines += std::to_string(m.partition) + " " + std::to_string(m.offset) + "\n";
    return ::write(fd, lines.data(), lines.size()) == static_cast<ssize_t>(lines.size());
  };
  if (async) {
    std::atomic<uint64_t> seed{12345};
    auto st = (*consumer)->RunAsync(
        [&](const std::vector<crm::kafka::Message>& batch, crm::kafka::BatchDone done) {
          uint64_t x = seed.fetch_add(0x9E3779B97F4A7C15ull);
          int ms = static_cast<int>((x >> 17) % static_cast<uint64_t>(2 * delay_ms + 1));
          std::thread([batch, done, ms, &write_batch] {
            std::this_thread::sleep_for(std::chrono::milliseconds(ms));
            bool ok = write_batch(batch);
            done(ok ? absl::OkStatus() : absl::UnavailableError("short write"));
          }).detach();
        },
        4);
    ::close(fd);
    return st.ok() ? 0 : 1;
  }
  auto st = (*consumer)->Run([&](const std::vector<crm::kafka::Message>& batch) -> absl::Status {
    // The work takes a while; its effect (the log lines) is complete only
    // when the handler returns, as with any real handler.
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    std::string lines;
    for (const auto& m : batch) lines += std::to_string(m.partition) + " " + std::to_string(m.offset) + "\n";
    if (::write(fd, lines.data(), lines.size()) != static_cast<ssize_t>(lines.size())) {
      return absl::UnavailableError("short write");
    }
    return absl::OkStatus();
  });
  ::close(fd);
  return st.ok() ? 0 : 1;
}
