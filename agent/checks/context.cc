#include "checks/context.h"

#include <algorithm>
#include <iterator>

#include "http/url.h"

namespace probity {

std::string Endpoint::Path() const {
  StatusOr<Url> u = ParseUrl(url);
  return u.ok() ? u->target : url;
}

const StatusOr<HttpResponse>& ProbeContext::Get(const std::string& url) {
  auto it = memo_.find(url);
  if (it == memo_.end()) {
    HttpRequest request;
    request.url = url;
    it = memo_.emplace(url, Fetch(std::move(request))).first;
  }
  return it->second;
}

void ProbeContext::Remember(const std::string& url, StatusOr<HttpResponse> response) {
  memo_.insert_or_assign(url, std::move(response));
}

void ProbeContext::Release(const Needs& still_needed) {
  const std::string* kept[] = {still_needed.liveness ? &endpoints_.liveness.url : nullptr,
                               still_needed.readiness ? &endpoints_.readiness.url : nullptr,
                               still_needed.openapi ? &endpoints_.openapi.url : nullptr};
  for (auto& [url, response] : memo_) {
    const bool needed =
        std::any_of(std::begin(kept), std::end(kept), [&](const std::string* k) { return k && *k == url; });
    if (response.ok() && !needed) std::string().swap(response->body);
  }
  facts_.Release(still_needed);
}

}  // namespace probity
