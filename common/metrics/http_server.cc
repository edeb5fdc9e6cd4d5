#include "common/metrics/http_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string_view>

#include "common/util/net.h"

namespace crm::metrics {
namespace {

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void Respond(int fd, int code, std::string_view reason, std::string_view content_type, std::string_view body) {
  std::string head = "HTTP/1.0 " + std::to_string(code) + " " + std::string(reason) +
                     "\r\nContent-Type: " + std::string(content_type) +
                     "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  WriteAll(fd, head);
  WriteAll(fd, body);
}

}  // namespace

HttpServer::HttpServer(Registry& registry, ReadyFn ready) : registry_(registry), ready_(std::move(ready)) {}

HttpServer::~HttpServer() { Stop(); }

absl::Status HttpServer::Start(const std::string& listen) {
  auto addr = net::ParseHostPort(listen);
  if (!addr.ok()) return addr.status();
  uint16_t port = 0;
  auto fd = net::ListenTcp(*addr, &port);
  if (!fd.ok()) return fd.status();
  listen_fd_ = *fd;
  port_ = port;
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void HttpServer::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
}

void HttpServer::Loop() {
  while (!stop_.load()) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    Serve(fd);
    ::close(fd);
  }
}

void HttpServer::Serve(int fd) {
  // Read the request head (bounded size, bounded time).
  std::string req;
  char buf[1024];
  while (req.find("\r\n\r\n") == std::string::npos && req.size() < 8192) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 1000) <= 0) return;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    req.append(buf, static_cast<size_t>(n));
  }
  auto line_end = req.find("\r\n");
  std::string_view line(req.data(), line_end == std::string::npos ? req.size() : line_end);
  auto sp1 = line.find(' ');
  auto sp2 = line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos) {
    Respond(fd, 400, "Bad Request", "text/plain", "bad request\n");
    return;
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view path = line.substr(sp1 + 1, sp2 == std::string_view::npos ? std::string_view::npos : sp2 - sp1 - 1);
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (method != "GET") {
    Respond(fd, 405, "Method Not Allowed", "text/plain", "only GET\n");
  } else if (path == "/metrics") {
    Respond(fd, 200, "OK", "text/plain; version=0.0.4", registry_.Render());
  } else if (path == "/healthz") {
    bool ok = !ready_ || ready_();
    Respond(fd, ok ? 200 : 503, ok ? "OK" : "Service Unavailable", "text/plain", ok ? "ok\n" : "not ready\n");
  } else {
    Respond(fd, 404, "Not Found", "text/plain", "not found\n");
  }
}

}  // namespace crm::metrics
