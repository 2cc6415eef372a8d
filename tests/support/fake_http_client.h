#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "http/http_client.h"

namespace probity::testing {

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  MonoTime Now() const override;
  WallTime WallNow() const override;
  void SleepFor(Duration d) const override;
  // Returns at once when `due` has come, else after a short real wait (or a
  // notification): a waiter sees an Advance() within milliseconds, however
  // far it moves the clock.
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, MonoTime due) const override;
  void Advance(Duration d);

 private:
  mutable std::mutex mu_;
  mutable Duration offset_{};
};

// Answers requests from a table of canned responses keyed by URL; unknown
// URLs answer 404 unless told otherwise (OnAnyOther, FailAnyOther). Each answer advances the fake clock by its latency, so
// latency checks see time pass without sleeping. Records every request.
class FakeHttpClient final : public HttpClient {
 public:
  explicit FakeHttpClient(FakeClock& clock) : clock_(clock) {}

  // A canned answer; `latency` is how long the request "takes".
  void On(const std::string& url, int status, const std::string& content_type, const std::string& body,
          Duration latency = std::chrono::milliseconds(5));
  // A transport failure (timeout, refused) for this URL.
  void FailOn(const std::string& url, const std::string& message);
  // What every URL not in the table gets: a catch-all answer, or a failure.
  void OnAnyOther(int status, const std::string& content_type, const std::string& body);
  void FailAnyOther(const std::string& message);
  // Answers in turn; the last repeats.
  void OnSequence(const std::string& url, std::vector<HttpResponse> responses);

  StatusOr<HttpResponse> Fetch(const HttpRequest& request, const HttpOptions& options) override;
  std::vector<HttpRequest> requests() const;
  // The options each request was made with, in the same order.
  std::vector<HttpOptions> options() const;
  int CountFor(const std::string& url) const;

 private:
  struct Entry {
    std::vector<HttpResponse> responses;
    std::string failure;
    std::size_t next = 0;
  };
  FakeClock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> table_;
  Entry fallback_;  // no responses and no failure: 404
  std::vector<HttpRequest> requests_;
  std::vector<HttpOptions> options_;
};

}  // namespace probity::testing
