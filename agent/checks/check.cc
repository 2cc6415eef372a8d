#include "checks/check.h"

#include <cerrno>
#include <cstdlib>

#include "core/duration.h"
#include "core/text.h"
#include "http/url.h"

namespace probity {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo: return "info";
    case Severity::kWarning: return "warning";
    case Severity::kCritical: return "critical";
  }
  return "info";
}

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kNone: return "none";
    case Level::kBronze: return "bronze";
    case Level::kSilver: return "silver";
    case Level::kGold: return "gold";
  }
  return "none";
}

std::string_view StatusName(CheckStatus s) {
  switch (s) {
    case CheckStatus::kPass: return "pass";
    case CheckStatus::kFail: return "fail";
    case CheckStatus::kSkip: return "skip";
    case CheckStatus::kError: return "error";
  }
  return "error";
}

bool ParseSeverity(std::string_view text, Severity* out) {
  if (text == "critical") *out = Severity::kCritical;
  else if (text == "warning") *out = Severity::kWarning;
  else if (text == "info") *out = Severity::kInfo;
  else return false;
  return true;
}

StatusOr<ParamValue> ParseParam(const ParamSpec& spec, const std::vector<std::string>& values, bool is_list) {
  switch (spec.kind) {
    case ParamSpec::Kind::kStringList: {
      if (is_list) return ParamValue(values);
      std::vector<std::string> items;
      std::string_view rest = values.empty() ? "" : values[0];
      while (!rest.empty()) {
        std::size_t comma = rest.find(',');
        std::string_view item = Trim(rest.substr(0, comma));
        if (!item.empty()) items.emplace_back(item);
        rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
      }
      return ParamValue(items);
    }
    case ParamSpec::Kind::kDuration: {
      if (is_list || values.size() != 1) return Status::Error("must be a duration like 250ms");
      StatusOr<Duration> d = ParseDuration(values[0]);
      if (!d.ok()) return d.status();
      if (d->count() <= 0) return Status::Error("must be greater than zero");
      return ParamValue(*d);
    }
    case ParamSpec::Kind::kInt: {
      if (is_list || values.size() != 1) return Status::Error("must be a whole number");
      char* end = nullptr;
      errno = 0;
      long v = std::strtol(values[0].c_str(), &end, 10);
      if (values[0].empty() || *end != '\0' || errno != 0 || v < 1 || v > 1'000'000) {
        return Status::Error("must be a whole number from 1 to 1000000");
      }
      return ParamValue(v);
    }
  }
  return Status::Error("unknown parameter kind");
}

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

void ProbeContext::ReleaseBodies(const std::string& shared_prefix) {
  for (auto& [url, response] : memo_) {
    if (response.ok()) std::string().swap(response->body);
  }
  for (auto it = shared_.begin(); it != shared_.end();) {
    it = it->first.rfind(shared_prefix, 0) == 0 ? shared_.erase(it) : std::next(it);
  }
}

}  // namespace probity
