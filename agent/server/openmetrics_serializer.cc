#include "server/openmetrics_serializer.h"

#include <prometheus/metric_family.h>

#include <charconv>
#include <cmath>

#include "core/text.h"

namespace probity {
namespace {

std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string Labels(const std::vector<prometheus::ClientMetric::Label>& labels, const char* extra_name = nullptr,
                   const std::string& extra_value = "") {
  if (labels.empty() && !extra_name) return "";
  std::string out = "{";
  for (const auto& l : labels) out += (out.size() > 1 ? "," : "") + l.name + "=\"" + Escape(l.value) + "\"";
  if (extra_name) out += (out.size() > 1 ? "," : "") + std::string(extra_name) + "=\"" + extra_value + "\"";
  return out + "}";
}

}  // namespace

bool WantsOpenMetrics(const std::string& accept) {
  return accept.find("application/openmetrics-text") != std::string::npos;
}

std::string SerializeOpenMetrics(const std::vector<prometheus::MetricFamily>& families,
                                 const ExemplarFor& exemplar_for) {
  using prometheus::MetricType;
  std::string out;
  for (const prometheus::MetricFamily& f : families) {
    std::string name = f.name;
    const char* type = "unknown";
    switch (f.type) {
      case MetricType::Counter:
        type = "counter";
        if (EndsWith(name, "_total")) name.resize(name.size() - 6);
        break;
      case MetricType::Gauge: type = "gauge"; break;
      case MetricType::Histogram: type = "histogram"; break;
      case MetricType::Summary: type = "summary"; break;
      default: break;
    }
    out += "# TYPE " + name + " " + type + "\n";
    if (!f.help.empty()) out += "# HELP " + name + " " + Escape(f.help) + "\n";
    for (const prometheus::ClientMetric& m : f.metric) {
      switch (f.type) {
        case MetricType::Counter:
          out += name + "_total" + Labels(m.label) + " " + Number(m.counter.value);
          if (exemplar_for) {
            const std::string exemplar = exemplar_for(f.name, m.label);
            if (!exemplar.empty()) out += " # " + exemplar;
          }
          out += "\n";
          break;
        case MetricType::Gauge:
          out += name + Labels(m.label) + " " + Number(m.gauge.value) + "\n";
          break;
        case MetricType::Histogram: {
          bool has_inf = false;
          for (const auto& b : m.histogram.bucket) {
            has_inf |= std::isinf(b.upper_bound);
            out += name + "_bucket" + Labels(m.label, "le", Number(b.upper_bound)) + " " +
                   std::to_string(b.cumulative_count) + "\n";
          }
          if (!has_inf) {
            out += name + "_bucket" + Labels(m.label, "le", "+Inf") + " " + std::to_string(m.histogram.sample_count) + "\n";
          }
          out += name + "_count" + Labels(m.label) + " " + std::to_string(m.histogram.sample_count) + "\n";
          out += name + "_sum" + Labels(m.label) + " " + Number(m.histogram.sample_sum) + "\n";
          break;
        }
        case MetricType::Summary:
          for (const auto& q : m.summary.quantile) {
            out += name + Labels(m.label, "quantile", Number(q.quantile)) + " " + Number(q.value) + "\n";
          }
          out += name + "_count" + Labels(m.label) + " " + std::to_string(m.summary.sample_count) + "\n";
          out += name + "_sum" + Labels(m.label) + " " + Number(m.summary.sample_sum) + "\n";
          break;
        default:
          out += name + Labels(m.label) + " " + Number(m.untyped.value) + "\n";
      }
    }
  }
  return out + "# EOF\n";
}

}  // namespace probity
