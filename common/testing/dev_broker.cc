#include "common/testing/dev_broker.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "common/util/strings.h"
#include "common/util/net.h"

namespace crm::testing {

std::string DevBrokerPath() {
  if (const char* p = std::getenv("CRM_DEV_BROKER"); p && *p) return p;
  return CRM_DEV_BROKER_PATH;
}

DevBroker::~DevBroker() { Stop(); }

absl::Status DevBroker::Start(const std::vector<Topic>& topics, int brokers, const std::string& topics_file) {
  proc_ = std::make_unique<Subprocess>();
  std::vector<std::string> argv = {DevBrokerPath(), "--brokers", std::to_string(brokers)};
  if (!topics_file.empty()) {
    argv.push_back("--topics");
    argv.push_back(topics_file);
  }
  if (auto st = proc_->Start(argv, /*capture_stdout=*/true); !st.ok()) return st;
  // A loaded CI machine running tests in parallel has been seen to take over
  // 20 s to start the mock cluster; a minute keeps such a start from failing a test.
  while (bootstrap_.empty() || control_.empty()) {
    auto line = proc_->ReadLine(std::chrono::seconds(60));
    if (!line) return absl::UnavailableError("crm-dev-broker did not report its addresses");
    if (line->starts_with("CRM_KAFKA_BROKERS=")) bootstrap_ = line->substr(18);
    else if (line->starts_with("CRM_KAFKA_CONTROL=")) control_ = line->substr(18);
  }
  for (const auto& t : topics) {
    if (auto st = Control(crm::StrCat("create-topic ", t.name, " ", t.partitions)); !st.ok()) return st;
  }
  return absl::OkStatus();
}

void DevBroker::Stop() {
  if (proc_) {
    proc_->Stop();
    proc_.reset();
  }
}

absl::Status DevBroker::Control(const std::string& command) {
  auto addr = net::ParseHostPort(control_);
  if (!addr.ok()) return addr.status();
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(addr->port);
  inet_pton(AF_INET, addr->host.c_str(), &sa.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return absl::UnavailableError("dev broker control port refused the connection");
  }
  std::string line = command + "\n";
  ::send(fd, line.data(), line.size(), MSG_NOSIGNAL);
  std::string reply;
  char buf[256];
  while (reply.find('\n') == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  reply = std::string(StripWhitespace(reply));
  if (reply == "ok") return absl::OkStatus();
  return absl::InternalError(crm::StrCat("dev broker: ", command, ": ", reply.empty() ? "no reply" : reply));
}

}  // namespace crm::testing
