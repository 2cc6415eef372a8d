#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>

#include "core/clock.h"
#include "http/http_client.h"

namespace probity {

// HttpClient over cpp-httplib. Each request gets a fresh connection (a probe
// measures the service, not a warm pool), redirects are followed here so that
// loops are named and credentials are dropped when the host changes, and a
// watchdog enforces HttpOptions::timeout even against a peer that trickles
// bytes. Cancel() aborts every request in flight and refuses new ones; it is
// how the daemon stops within its shutdown budget.
class HttplibClient final : public HttpClient {
 public:
  explicit HttplibClient(const Clock& clock = SystemClock::Instance());
  ~HttplibClient() override;

  StatusOr<HttpResponse> Fetch(const HttpRequest& request, const HttpOptions& options) override;
  void Cancel();

 private:
  struct Shared;
  const Clock& clock_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace probity
