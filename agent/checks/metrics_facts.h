#pragma once

#include <optional>
#include <string>
#include <vector>

#include "checks/context.h"
#include "exposition/analysis.h"

namespace probity {

// The facts of the metrics checks, which the tracing and monitoring checks
// read too.

// One scrape of the metrics endpoint and what Probity read in it. The raw
// exposition is let go once no check still to run reads it (Needs::metrics_body);
// the analysis stays for the run.
struct Scrape {
  StatusOr<HttpResponse> response = Status::Error("not fetched");
  exposition::Format format = exposition::Format::kText;
  exposition::Analysis analysis;

  void Release(const Needs& still_needed) {
    if (!still_needed.metrics_body && response.ok()) std::string().swap(response->body);
  }
};

// The text-format scrape (what promtool and most scrapers read).
struct TextScrape : Scrape {
  static TextScrape Compute(ProbeContext& ctx);
};

// The scrape asked the way Prometheus asks: OpenMetrics first. An answer in
// another format keeps no body (the text scrape reads the same metrics).
struct OpenMetricsScrape : Scrape {
  static OpenMetricsScrape Compute(ProbeContext& ctx);
};

// Why a scrape cannot be judged, or nothing. The endpoint's own checks
// (reachable, content type, valid: `dependent` false) say why in full; every
// other check is a dependent that says once that it was not evaluated.
std::optional<Verdict> UnusableScrape(ProbeContext& ctx, const Scrape& s, bool need_parse = true,
                                      bool dependent = true);

// A family that counts or times the service's own requests.
struct RequestFamily {
  const exposition::FamilySummary* family;
  bool latency = false;  // a histogram or summary of request durations
};

// The families that count the service's own requests: HTTP *_requests_total
// counters and request-duration histograms or summaries, gRPC server
// handled/handling families. Judged by what a family measures, not by a
// substring: the scrape handler's families and outbound, storage or cluster
// counters that merely say "requests" do not count.
std::vector<RequestFamily> RequestFamilies(const exposition::Analysis& a);
std::vector<std::string> NamesOf(const std::vector<RequestFamily>& families);

// "a, b, c and 4 more"
std::string ListNames(const std::vector<std::string>& names, std::size_t show = 3);

}  // namespace probity
