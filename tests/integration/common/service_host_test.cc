#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <grpcpp/generic/generic_stub.h>

#include "common/grpc/client.h"
#include "common/metrics/metrics.h"
#include "common/service/service_host.h"
#include "common/testing/http_get.h"
#include "common/testing/subprocess.h"

namespace crm::service {
namespace {

using namespace std::chrono_literals;

std::string HttpGet(int port, const std::string& path, int* status) {
  return crm::testing::HttpGet("127.0.0.1:" + std::to_string(port), path, status);
}

config::Config TestConfig() {
  config::Schema schema;
  AddStandardKeys(schema);
  auto cfg = config::Config::Parse(schema, "", "test", [](const std::string&) { return std::nullopt; });
  EXPECT_TRUE(cfg.ok());
  return *cfg;
}

TEST(ServiceHost, SkeletonAnswersHealthCheckAndServesMetrics) {
  auto cfg = TestConfig();
  std::string dir = crm::testing::MakeTempDir("crm-svc");
  ServiceHost host("skeleton", cfg, dir + "/endpoints");
  ASSERT_TRUE(host.Start().ok());
  std::string target = "127.0.0.1:" + std::to_string(host.grpc_port());

  auto healthy = grpcutil::CheckHealth(target, "", 5s);
  ASSERT_TRUE(healthy.ok()) << healthy.status();
  EXPECT_TRUE(*healthy);

  metrics::Registry::Default().GetCounter("crm_skeleton_requests_total", "test counter").Inc(2);
  int status = 0;
  std::string body = HttpGet(host.metrics_port(), "/metrics", &status);
  EXPECT_EQ(status, 200);
  EXPECT_NE(body.find("# TYPE crm_skeleton_requests_total counter"), std::string::npos) << body;
  EXPECT_NE(body.find("crm_skeleton_requests_total 2"), std::string::npos) << body;
  HttpGet(host.metrics_port(), "/healthz", &status);
  EXPECT_EQ(status, 200);
  HttpGet(host.metrics_port(), "/nope", &status);
  EXPECT_EQ(status, 404);

  // The endpoints file tells deploy scripts where the service listens.
  std::ifstream in(dir + "/endpoints");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find("grpc=" + target), std::string::npos) << ss.str();
  EXPECT_NE(ss.str().find("metrics=127.0.0.1:" + std::to_string(host.metrics_port())), std::string::npos);

  host.Shutdown();
  auto after = grpcutil::CheckHealth(target, "", 1s);
  EXPECT_FALSE(after.ok() && *after) << "a stopped server must not report SERVING";
  crm::testing::RemoveTree(dir);
}

// Asks the server reflection service for its service list with a generic
// call (grpc++ ships no generated reflection stubs): request
// ServerReflectionRequest{list_services: ""} = field 7, length 0.
std::string ListServicesViaReflection(const std::string& target) {
  grpc::GenericStub stub(grpcutil::MakeChannel(target));
  grpc::CompletionQueue cq;
  auto ctx = grpcutil::MakeContext(5s);
  auto call = stub.PrepareCall(ctx.get(), "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  auto step = [&](auto&& op) {
    op();
    void* tag;
    bool ok = false;
    cq.Next(&tag, &ok);
    return ok;
  };
  std::string out;
  if (!step([&] { call->StartCall(reinterpret_cast<void*>(1)); })) return out;
  const char req[] = {0x3A, 0x00};
  grpc::Slice slice(req, sizeof req);
  grpc::ByteBuffer buf(&slice, 1);
  if (!step([&] { call->Write(buf, reinterpret_cast<void*>(2)); })) return out;
  step([&] { call->WritesDone(reinterpret_cast<void*>(3)); });
  grpc::ByteBuffer resp;
  if (step([&] { call->Read(&resp, reinterpret_cast<void*>(4)); })) {
    std::vector<grpc::Slice> slices;
    resp.Dump(&slices);
    for (auto& sl : slices) out.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
  }
  grpc::Status st;
  step([&] { call->Finish(&st, reinterpret_cast<void*>(5)); });
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
  return out;
}

TEST(ServiceHost, ServerReflectionListsTheHealthService) {
  auto cfg = TestConfig();
  ServiceHost host("reflect", cfg);
  ASSERT_TRUE(host.Start().ok());
  std::string listing = ListServicesViaReflection("127.0.0.1:" + std::to_string(host.grpc_port()));
  EXPECT_NE(listing.find("grpc.health.v1.Health"), std::string::npos) << "reflection answered: " << listing.size()
                                                                        << " bytes";
  host.Shutdown();
}

TEST(ServiceHost, RequestStopReleasesWaitForStop) {
  auto cfg = TestConfig();
  ServiceHost host("skeleton2", cfg);
  ASSERT_TRUE(host.Start().ok());
  std::thread t([&] { host.RequestStop(); });
  host.WaitForStop();  // returns only because of RequestStop
  t.join();
  host.Shutdown();
}

TEST(ServiceHost, BadListenAddressFailsStart) {
  config::Schema schema;
  AddStandardKeys(schema);
  auto cfg = config::Config::Parse(schema, "grpc:\n  listen: \"not-an-address\"\n", "test",
                                   [](const std::string&) { return std::nullopt; });
  ASSERT_TRUE(cfg.ok());
  ServiceHost host("bad", *cfg);
  EXPECT_FALSE(host.Start().ok());
}

}  // namespace
}  // namespace crm::service
