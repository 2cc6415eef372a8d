#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>

#include "core/clock.h"
#include "http/http_client.h"

namespace probity {

// HttpClient over cpp-httplib. A request gets a fresh connection unless it
// brings a set of kept connections (one probe run does: its first request to
// an origin connects, the others reuse that connection, as a client with a
// pool would). Redirects are followed here so that loops are named and
// credentials are dropped when the host changes, and HttpOptions::timeout
// holds even against a peer that trickles bytes. Cancel() aborts every request in flight and refuses new ones; it is
// how the daemon stops within its shutdown budget.
class HttplibClient final : public HttpClient {
 public:
  explicit HttplibClient(const Clock& clock = SystemClock::Instance());
  ~HttplibClient() override;

  StatusOr<HttpResponse> Fetch(const HttpRequest& request, const HttpOptions& options) override;
  std::unique_ptr<HttpConnections> NewConnections() override;
  void Cancel() override;

 private:
  struct Shared;
  const Clock& clock_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace probity
