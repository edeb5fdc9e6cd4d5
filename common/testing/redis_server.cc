#include "common/testing/redis_server.h"

#include <signal.h>

#include <vector>

#include "common/util/strings.h"
#include "common/redis/redis_client.h"

namespace crm::testing {

RedisServer::RedisServer(std::string cpu_list) : dir_(MakeTempDir("crm-redis")), cpu_list_(std::move(cpu_list)) {}

RedisServer::~RedisServer() {
  Stop();
  RemoveTree(dir_);
}

absl::Status RedisServer::Start() {
  // A freshly chosen port can be taken between our probe and redis's bind;
  // try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (port_ == 0 || attempt > 0) port_ = FreePort();
    proc_ = std::make_unique<Subprocess>();
    std::vector<std::string> argv = {"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                     "--dir", dir_, "--save", "", "--appendonly", "no", "--daemonize", "no",
                                     "--loglevel", "warning", "--logfile", dir_ + "/redis.log"};
    if (!cpu_list_.empty()) argv.insert(argv.end(), {"--server_cpulist", cpu_list_});
    auto st = proc_->Start(argv);
    if (!st.ok()) return st;
    redis::RedisClient client({url(), std::chrono::milliseconds(200), std::chrono::milliseconds(200)});
    bool up = WaitFor([&] {
      if (auto exited = proc_->Wait(std::chrono::milliseconds(0)); exited) return true;
      auto r = client.Run({"PING"});
      return r.ok();
    }, std::chrono::seconds(30), std::chrono::milliseconds(20));
    if (up && proc_->running()) return absl::OkStatus();
    proc_->Stop();
  }
  return absl::UnavailableError(crm::StrCat("redis-server did not start (log in ", dir_, "/redis.log)"));
}

void RedisServer::Stop() {
  if (proc_) {
    proc_->Stop();
    proc_.reset();
  }
}

void RedisServer::Pause() {
  if (proc_) proc_->Signal(SIGSTOP);
}

void RedisServer::Resume() {
  if (proc_) proc_->Signal(SIGCONT);
}

}  // namespace crm::testing
