// The EC2 instance metadata service over libcurl, IMDSv2 only: PUT latest/api/token with
// X-aws-ec2-metadata-token-ttl-seconds, then GET latest/meta-data/PATH with
// X-aws-ec2-metadata-token. Never through a proxy; short timeouts, because off EC2 (or from a
// container behind the instance's metadata hop limit) nothing ever answers.
#pragma once

#include <chrono>
#include <string>

#include "common/aws/identity.h"

namespace kc::aws {

inline constexpr const char* kDefaultImdsEndpoint = "http://169.254.169.254";

struct ImdsOptions {
  std::string endpoint = kDefaultImdsEndpoint;  // scheme://host[:port], no trailing path
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds timeout{2000};  // per request
  int token_ttl_seconds = 21600;
  // Per request, for timeouts and HTTP 5xx (IMDS can be slow right after boot), waiting
  // retry_delay, then twice that, ... between them. A refused connection is not retried.
  int attempts = 3;
  std::chrono::milliseconds retry_delay{250};
};

// $AWS_EC2_METADATA_SERVICE_ENDPOINT (the AWS SDKs' variable) when set, else the default.
std::string imds_endpoint_from_environment();
// --metadata-endpoint when given (not empty), else imds_endpoint_from_environment().
std::string imds_endpoint(const std::string& flag);

class ImdsClient final : public InstanceMetadata {
 public:
  explicit ImdsClient(ImdsOptions options);
  Result<std::optional<std::string>> get(const std::string& path) override;
  std::string describe() const override;

 private:
  Status refresh_token();

  ImdsOptions options_;
  std::string token_;  // the session token; only ever sent to the endpoint, never logged
};

}  // namespace kc::aws
