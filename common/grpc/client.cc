#include "common/grpc/client.h"

#include "common/grpc/server.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace crm::grpcutil {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target, int max_message_bytes) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(max_message_bytes);
  args.SetMaxSendMessageSize(max_message_bytes);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

std::unique_ptr<grpc::ClientContext> MakeContext(std::chrono::milliseconds timeout) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + timeout);
  return ctx;
}

absl::StatusOr<bool> CheckHealth(const std::string& target, const std::string& service,
                                 std::chrono::milliseconds timeout) {
  auto stub = grpc::health::v1::Health::NewStub(MakeChannel(target));
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service);
  grpc::health::v1::HealthCheckResponse resp;
  auto ctx = MakeContext(timeout);
  auto st = stub->Check(ctx.get(), req, &resp);
  if (!st.ok()) return FromGrpc(st);
  return resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

}  // namespace crm::grpcutil
