#include "common/util/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/util/strings.h"

namespace crm::net {

absl::StatusOr<HostPort> ParseHostPort(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return absl::InvalidArgumentError(crm::StrCat("address '", text, "' is not host:port"));
  }
  HostPort hp;
  hp.host = std::string(text.substr(0, colon));
  if (hp.host == "localhost") hp.host = "127.0.0.1";
  auto port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port > 65535) {
    return absl::InvalidArgumentError(crm::StrCat("address '", text, "' has a bad port"));
  }
  hp.port = static_cast<uint16_t>(port);
  return hp;
}

absl::StatusOr<int> ListenTcp(const HostPort& addr, uint16_t* bound_port, int backlog) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(addr.port);
  if (inet_pton(AF_INET, addr.host.c_str(), &sa.sin_addr) != 1) {
    return absl::InvalidArgumentError(crm::StrCat("not an IPv4 address: ", addr.host));
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(crm::StrCat("socket: ", std::strerror(errno)));
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, backlog) != 0) {
    int err = errno;
    ::close(fd);
    return absl::UnavailableError(crm::StrCat("listen on ", addr.ToString(), ": ", std::strerror(err)));
  }
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  if (bound_port) *bound_port = ntohs(sa.sin_port);
  return fd;
}

}  // namespace crm::net
