#include "server/process_collector.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include <prometheus/metric_family.h>

namespace probity {
namespace {

prometheus::MetricFamily Family(const std::string& name, const std::string& help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily family{name, help, type, {}};
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) metric.counter.value = value;
  else metric.gauge.value = value;
  family.metric.push_back(metric);
  return family;
}

double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double value = 0;
      in >> value;
      return value;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

}  // namespace

std::vector<prometheus::MetricFamily> CollectProcessMetrics() {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (std::getline(in, line)) {
    // Fields after the command name, which is in parentheses and may hold spaces.
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    std::vector<std::string> f;
    std::string token;
    while (fields >> token) f.push_back(token);
    // f[0] is field 3 (state): utime=14, stime=15, starttime=22, vsize=23, rss=24.
    if (f.size() > 21) {
      const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
      const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
      out.push_back(Family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                           MetricType::Counter, (std::stod(f[11]) + std::stod(f[12])) / ticks));
      out.push_back(Family("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
                           std::stod(f[21]) * page));
      out.push_back(Family("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
                           std::stod(f[20])));
      out.push_back(Family("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                           MetricType::Gauge, BootTimeSeconds() + std::stod(f[19]) / ticks));
    }
  }
  if (DIR* dir = opendir("/proc/self/fd")) {
    double open = 0;
    while (const dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++open;
    }
    closedir(dir);
    out.push_back(Family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, open - 1));
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    out.push_back(Family("process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
                         static_cast<double>(limit.rlim_cur)));
  }
  return out;
}

}  // namespace probity
