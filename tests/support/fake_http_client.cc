#include "support/fake_http_client.h"

namespace probity::testing {

MonoTime FakeClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return MonoTime(std::chrono::duration_cast<MonoTime::duration>(offset_ + std::chrono::hours(1)));
}

WallTime FakeClock::WallNow() const {
  std::lock_guard<std::mutex> lock(mu_);
  return WallTime(std::chrono::duration_cast<WallTime::duration>(offset_ + std::chrono::seconds(1'700'000'000)));
}

void FakeClock::SleepFor(Duration d) const {
  std::lock_guard<std::mutex> lock(mu_);
  offset_ += d;
}

void FakeClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, MonoTime due) const {
  if (Now() < due) cv.wait_for(lock, std::chrono::milliseconds(2));
}

void FakeClock::Advance(Duration d) {
  std::lock_guard<std::mutex> lock(mu_);
  offset_ += d;
}

void FakeHttpClient::On(const std::string& url, int status, const std::string& content_type, const std::string& body,
                        Duration latency) {
  HttpResponse r;
  r.status = status;
  if (!content_type.empty()) r.headers.emplace_back("content-type", content_type);
  r.body = body;
  r.elapsed = latency;
  OnSequence(url, {r});
}

void FakeHttpClient::FailOn(const std::string& url, const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  table_[url] = Entry{{}, message, 0};
}

void FakeHttpClient::OnAnyOther(int status, const std::string& content_type, const std::string& body) {
  HttpResponse r;
  r.status = status;
  if (!content_type.empty()) r.headers.emplace_back("content-type", content_type);
  r.body = body;
  r.elapsed = std::chrono::milliseconds(5);
  std::lock_guard<std::mutex> lock(mu_);
  fallback_ = Entry{{r}, "", 0};
}

void FakeHttpClient::FailAnyOther(const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  fallback_ = Entry{{}, message, 0};
}

void FakeHttpClient::OnSequence(const std::string& url, std::vector<HttpResponse> responses) {
  std::lock_guard<std::mutex> lock(mu_);
  table_[url] = Entry{std::move(responses), "", 0};
}

StatusOr<HttpResponse> FakeHttpClient::Fetch(const HttpRequest& request, const HttpOptions& options) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(request);
  options_.push_back(options);
  auto it = table_.find(request.url);
  if (it == table_.end() && fallback_.responses.empty() && fallback_.failure.empty()) {
    HttpResponse r;
    r.status = 404;
    r.final_url = request.url;
    return r;
  }
  Entry& e = it == table_.end() ? fallback_ : it->second;
  if (!e.failure.empty()) return Status::Error(e.failure);
  HttpResponse r = e.responses[std::min(e.next, e.responses.size() - 1)];
  ++e.next;
  if (r.body.size() > options.max_body_bytes) {
    r.body.resize(options.max_body_bytes);
    r.body_truncated = true;
  }
  // As the real client: a body not to be kept is read and dropped.
  if (!request.keep_body || (request.keep_body_if && !request.keep_body_if(r))) r.body.clear();
  r.final_url = request.url;
  clock_.Advance(r.elapsed);
  return r;
}

std::vector<HttpRequest> FakeHttpClient::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<HttpOptions> FakeHttpClient::options() const {
  std::lock_guard<std::mutex> lock(mu_);
  return options_;
}

int FakeHttpClient::CountFor(const std::string& url) const {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (const HttpRequest& r : requests_) n += r.url == url;
  return n;
}

}  // namespace probity::testing
