#include "checks/check.h"

#include <cerrno>
#include <cstdlib>

#include "core/duration.h"
#include "core/text.h"
#include "http/url.h"

namespace probity {

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

}  // namespace probity
