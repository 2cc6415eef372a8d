// The probity command line: parses arguments and hands over to the library.
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <nlohmann/json.hpp>

#include "checks/catalogue.h"
#include "scan/content_scanner.h"
#include "scan/prebuilt_rules.h"
#include "core/duration.h"
#include "logs/log_analysis.h"
#include "logs/log_stream.h"
#include "core/build_info.h"
#include "core/logger.h"
#include "core/input_file.h"
#include "core/memory.h"
#include "core/text.h"
#include "exposition/analysis.h"
#include "http/httplib_client.h"
#include "http/url.h"
#include "report/progress.h"
#include "report/render.h"
#include "runner/probe.h"
#include "runner/service_discovery.h"
#include "server/agent_server.h"

namespace probity {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitInternal = 1;
constexpr int kExitUsage = 2;
constexpr int kExitProblems = 3;

void PrintErrors(const std::vector<ConfigError>& errors) {
  for (const ConfigError& e : errors) std::cerr << e.ToString() << "\n";
}

int CheckConfig(const std::string& path) {
  std::vector<ConfigError> errors;
  Config config = LoadConfig(path, &errors);
  if (!errors.empty()) {
    PrintErrors(errors);
    std::cerr << path << ": " << errors.size() << " error" << (errors.size() == 1 ? "" : "s") << "\n";
    return kExitUsage;
  }
  const std::size_t sources = config.service_discovery.size();
  std::cout << path << ": valid: " << config.targets.size() << " target" << (config.targets.size() == 1 ? "" : "s")
            << (sources == 0 ? "" : " and " + std::to_string(sources) + " service-discovery source" +
                                        (sources == 1 ? "" : "s") + " (not read)")
            << ", " << config.checklists.size() << " checklist" << (config.checklists.size() == 1 ? "" : "s")
            << ", " << Catalogue().size() << " checks known\n";
  return kExitOk;
}

// `check-web-config FILE`: promtool check web-config's counterpart.
int CheckWebConfig(const std::string& path) {
  std::vector<ConfigError> errors;
  const WebConfig web = LoadWebConfigFile(path, &errors);
  if (!errors.empty()) {
    PrintErrors(errors);
    std::cerr << path << ": " << errors.size() << " error" << (errors.size() == 1 ? "" : "s") << "\n";
    return kExitUsage;
  }
  std::cout << path << ": valid: "
            << (web.tls ? "TLS " + web.min_version + ".." + web.max_version +
                              (web.require_client_cert ? " with client certificates" : "")
                        : std::string("plain HTTP"))
            << ", " << web.basic_auth_users.size() << " basic-auth user" << (web.basic_auth_users.size() == 1 ? "" : "s")
            << ", " << web.headers.size() << " response header" << (web.headers.size() == 1 ? "" : "s") << "\n";
  return kExitOk;
}

int ListChecks(const std::string& id, const std::string& format) {
  if (id.empty()) {
    std::cout << (format == "json" ? CatalogueJson() : CatalogueText()) << std::flush;
    return kExitOk;
  }
  const CheckInfo* check = FindCheck(id);
  if (check == nullptr) {
    std::cerr << "probity checks: no check \"" << Printable(Excerpt(id, 80))
              << "\"; `probity checks` lists the " << Catalogue().size() << " there are\n";
    return kExitUsage;
  }
  std::cout << (format == "json" ? CheckDocJson(*check) : CheckDocText(*check)) << std::flush;
  return kExitOk;
}

int LintMetrics(const std::string& path, bool openmetrics) {
  using namespace exposition;
  const std::string name = path == "-" ? "<stdin>" : path;
  const Format format = openmetrics ? Format::kOpenMetrics : Format::kText;
  AnalyzeOptions options;
  options.family_summaries = false;
  const int fd = path == "-" ? dup(STDIN_FILENO) : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) {
    if (fd >= 0) close(fd);
    std::cerr << "probity lint-metrics: cannot read " << path << "\n";
    return kExitInternal;
  }
  const StatusOr<Analysis> read =
      S_ISREG(st.st_mode) ? AnalyzeFile(static_cast<std::size_t>(st.st_size), ReadAtFile(fd), format, options)
                          : AnalyzeStream([fd](char* out, std::size_t size, std::size_t) { return ::read(fd, out, size); },
                                          format, options);
  close(fd);
  if (!read.ok()) {
    std::cerr << "probity lint-metrics: " << name << ": " << read.status().message() << "\n";
    return kExitInternal;
  }
  const Analysis& analysis = *read;
  if (analysis.error) {
    std::cerr << "probity lint-metrics: " << name << ": cannot parse: " << analysis.error->ToString() << "\n";
    return kExitInternal;
  }
  std::string out;
  for (const Problem& p : analysis.problems) out += p.ToString() + "\n";
  std::cout << out << std::flush;
  return analysis.problems.empty() ? kExitOk : kExitProblems;
}

struct LintLogsFlags {
  std::string file = "-";
  std::vector<std::string> rules;  // NAME=REGEX
  std::size_t max_findings = 10;
};

int LintLogs(const LintLogsFlags& flags) {
  const std::string name = flags.file == "-" ? "<stdin>" : flags.file;
  std::vector<ContentRule> extra;
  for (const std::string& spec : flags.rules) {
    StatusOr<ContentRule> rule = ParseRuleFlag(spec);
    if (!rule.ok()) {
      std::cerr << "probity lint-logs: " << rule.status().message() << "\n";
      return kExitUsage;
    }
    extra.push_back(std::move(*rule));
  }
  StatusOr<std::shared_ptr<const ContentScanner>> scanner = ContentScanner::WithBuiltins(extra);
  if (!scanner.ok()) {
    std::cerr << "probity lint-logs: " << scanner.status().message() << "\n";
    return kExitUsage;
  }
  const int fd = flags.file == "-" ? dup(STDIN_FILENO) : open(flags.file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) {
    std::cerr << "probity lint-logs: cannot read " << name << ": " << std::strerror(errno) << "\n";
    if (fd >= 0) close(fd);
    return kExitInternal;
  }
  std::string out;
  const auto print = [&out](const LogFinding& f) {
    out += std::to_string(f.line) + ": " + f.rule + ": " + Printable(f.excerpt) + "\n";
    if (out.size() > (1 << 16)) {
      std::cout << out;
      out.clear();
    }
  };
  StatusOr<TextAnalysis> analysis = Status::Error("not read");
  if (S_ISREG(st.st_mode)) {
    // A file is read on every core, each part from its own offset.
    const int threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
    analysis = AnalyzeText(static_cast<std::size_t>(st.st_size), ReadAtFile(fd), *scanner, print, flags.max_findings,
                           threads);
  } else {
    // A pipe, a FIFO or a device: read as a stream, in bounded memory.
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    LogAnalyzer analyzer(*scanner, print, flags.max_findings);
    StatusOr<StreamSummary> streamed = AnalyzeStream(fd, &analyzer);
    if (streamed.ok()) {
      analysis = TextAnalysis{analyzer.stats(), *streamed};
    } else {
      analysis = streamed.status();
    }
  }
  close(fd);
  if (!analysis.ok()) {
    std::cout << out << std::flush;
    std::cerr << "probity lint-logs: " << name << ": " << analysis.status().message() << "\n";
    return kExitInternal;
  }
  const LintSummary lint = SummarizeLint(name, analysis->stats, analysis->summary);
  out += lint.text;
  std::cout << out << std::flush;
  return lint.findings == 0 ? kExitOk : kExitProblems;
}

struct ScanFlags {
  std::vector<std::string> urls;
  std::string prometheus;
  std::string shard;
  std::string config;
  std::string format = "text";
  std::string fail_on = "critical";
  double min_score = 0;
  std::string output;
  bool verbose = false;
  bool quiet = false;
};

// How `scan` shows its progress on stderr: none with --quiet, a line redrawn
// in place on a terminal, else one line per finished target.
ProgressOptions ScanProgressOptions(bool quiet) {
  ProgressOptions options;
  if (quiet) {
    options.mode = ProgressMode::kNone;
  } else if (isatty(STDERR_FILENO)) {
    options.mode = ProgressMode::kLive;
    options.color = std::getenv("NO_COLOR") == nullptr;
    winsize size{};
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0) options.width = size.ws_col;
  }
  return options;
}

int Scan(const ScanFlags& flags) {
  ReportFormat format;
  ParseReportFormat(flags.format, &format);
  Gate gate;
  ParseSeverity(flags.fail_on, &gate.fail_on);
  gate.min_score = flags.min_score;
  if (flags.urls.empty() && flags.config.empty()) {
    std::cerr << "probity scan: give one or more URLs, or --config FILE (see probity help scan)\n";
    return kExitUsage;
  }
  std::vector<ConfigError> errors;
  Config config = LoadConfig(flags.config, &errors);
  if (!flags.prometheus.empty()) {
    StatusOr<Url> url = ParseUrl(flags.prometheus);
    if (!url.ok()) {
      std::cerr << "probity scan: --prometheus: " << url.status().message() << "\n";
      return kExitUsage;
    }
    // A Prometheus of its own: the configuration's credentials are not sent to it.
    config.prometheus = PrometheusAt(flags.prometheus, config.global.timeout);
  }
  if (!errors.empty()) {
    PrintErrors(errors);
    return kExitUsage;
  }
  std::optional<Shard> shard = config.global.shard;
  if (!flags.shard.empty()) shard = *ParseShard(flags.shard);  // checked by ShardValidator
  HttplibClient http;
  // Targets from file_sd and http_sd, read once.
  std::vector<TargetConfig> discovered;
  if (!config.service_discovery.empty()) {
    ServiceDiscovery discovery(config.service_discovery, http, SystemClock::Instance());
    discovery.Refresh();
    // A one-off scan has no last good list to fall back on: a source that
    // cannot be read fails the scan rather than pass it on fewer targets.
    for (const std::string& error : discovery.new_errors()) {
      std::cerr << "probity scan: service discovery: " << error << "\n";
    }
    if (!discovery.new_errors().empty()) return kExitInternal;
    discovered = discovery.Targets();
  }
  StatusOr<std::vector<TargetSpec>> composed = ComposeTargets(config, shard, discovered);
  if (!composed.ok()) {
    std::cerr << composed.status().message() << "\n";
    return kExitUsage;
  }
  std::vector<TargetSpec> targets = std::move(*composed);
  for (const std::string& url : flags.urls) {
    StatusOr<Url> parsed = ParseUrl(url);
    if (!parsed.ok()) {
      std::cerr << "probity scan: " << parsed.status().message() << "\n";
      return kExitUsage;
    }
    targets.push_back(TargetForUrl(url, config.global));
    targets.back().prometheus = config.prometheus;
  }
  ScanProgress progress(std::cerr, SystemClock::Instance(), targets.size(), ScanProgressOptions(flags.quiet));
  ProbeCallbacks callbacks;
  callbacks.on_start = [&progress](const TargetSpec&) { progress.Started(); };
  callbacks.on_done = [&progress](const TargetReport& t) { progress.Done(t); };
  Report report =
      ProbeAll(targets, http, SystemClock::Instance(), gate.fail_on, config.global.max_concurrent_probes, callbacks);
  progress.Finish();
  RenderOptions options;
  options.verbose = flags.verbose;
  options.color = flags.output.empty() && isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
  const std::string text =
      flags.quiet && format == ReportFormat::kText ? RenderSummary(report) : Render(report, format, options);
  if (flags.output.empty()) {
    std::cout << text << std::flush;
  } else {
    std::ofstream out(flags.output, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) {
      std::cerr << "probity scan: cannot write " << flags.output << "\n";
      return kExitInternal;
    }
  }
  return ExitCode(report, gate);
}

struct RunFlags {
  AgentOptions agent;
  std::string shard;
  std::string log_file;
  std::string log_level;
  std::string log_format = "json";
};

int Run(RunFlags flags) {
  // Signals are taken by this thread alone, with sigwait, so that handlers
  // need not be async-signal-safe; every thread started later inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  BoundAllocatorRetention();

  Logger logger(stderr);
  LogFormat format = LogFormat::kJson;
  ParseLogFormat(flags.log_format, &format);  // the flag's check admits json and logfmt only
  logger.set_format(format);
  if (!flags.log_level.empty()) {
    LogLevel level = LogLevel::kInfo;
    ParseLogLevel(flags.log_level, &level);
    flags.agent.log_level = level;
    logger.set_min_level(level);
  }
  if (!flags.log_file.empty()) {
    Status opened = logger.AlsoWriteTo(flags.log_file);
    if (!opened.ok()) {
      logger.Error("cannot start", {{"error", opened.message()}});
      return kExitUsage;
    }
  }
  if (!flags.shard.empty()) flags.agent.shard = *ParseShard(flags.shard);  // checked by ShardValidator
  const AgentOptions& options = flags.agent;
  HttplibClient http;
  Agent agent(options, logger, http, SystemClock::Instance());
  Status started = agent.Start();
  if (!started.ok()) {
    logger.Error("cannot start", {{"error", started.message()}});
    return started.message().rfind("invalid configuration", 0) == 0 ? kExitUsage : kExitInternal;
  }
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      agent.Reload();
      continue;
    }
    logger.Info("shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    agent.Stop();
    return kExitOk;
  }
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// "did you mean" for each --flag in argv that the command does not know: the
// nearest of its long flags, when near enough to be a typo.
std::string FlagSuggestions(CLI::App& app, int argc, char** argv) {
  CLI::App* command = &app;
  for (int i = 1; i < argc; ++i) {
    for (CLI::App* sub : app.get_subcommands({})) {
      if (sub->get_name() == argv[i]) command = sub;
    }
    if (command != &app) break;
  }
  std::vector<std::string> known;
  for (CLI::App* owner : {command, &app}) {
    for (const CLI::Option* opt : owner->get_options()) {
      for (const std::string& name : opt->get_lnames()) known.push_back(name);
    }
  }
  std::string out;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 3 || arg.substr(0, 2) != "--") continue;
    const std::string_view name = arg.substr(2, arg.find('=') == std::string_view::npos ? arg.npos : arg.find('=') - 2);
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string best;
    std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
    for (const std::string& candidate : known) {
      const std::size_t d = EditDistance(name, candidate);
      if (d < best_distance) best = candidate, best_distance = d;
    }
    if (!best.empty()) out += "probity: unknown flag --" + std::string(name) + "; did you mean --" + best + "?\n";
  }
  return out;
}

CLI::Validator ShardValidator() {
  return CLI::Validator(
      [](std::string& value) {
        StatusOr<Shard> shard = ParseShard(value);
        return shard.ok() ? std::string() : shard.status().message();
      },
      "I/N");
}

// The build information, laid out as Prometheus and its exporters print it.
std::string VersionText() {
#if defined(__clang__)
  const std::string compiler = std::string("clang++ ") + __clang_version__;
#elif defined(__GNUC__)
  const std::string compiler = std::string("g++ ") + __VERSION__;
#else
  const std::string compiler = "unknown";
#endif
  return std::string("probity, version ") + kVersion + " (branch: " + kBranch + ", revision: " + kRevision + ")\n" +
         "  build date:       " + kBuildDate + "\n" +
         "  compiler:         " + compiler + "\n" +
         "  platform:         " + kPlatform;
}

}  // namespace
}  // namespace probity

int main(int argc, char** argv) {
  using namespace probity;
  UsePrebuiltRules();
  CLI::App app{"Probity: is this service observable enough to run in production?", "probity"};
  app.set_version_flag("--version", VersionText());
  app.require_subcommand(0, 1);

  RunFlags run_flags;
  CLI::App* run = app.add_subcommand("run", "Probe every configured target on its interval and serve /metrics");
  run->add_option("--config.file,--config", run_flags.agent.config_path,
                  "Configuration file (default: the embedded one)")
      ->check(CLI::ExistingFile);
  run->add_option("--web.listen-address,--listen", run_flags.agent.listen_override,
                  "Address to listen on, overrides global.listen (e.g. :9465, 127.0.0.1:9465, [::1]:9465)");
  run->add_option("--web.config.file", run_flags.agent.web_config_path,
                  "Web configuration file (exporter-toolkit format: TLS, client certificates, basic-auth users, "
                  "response headers); it protects every endpoint")
      ->check(CLI::ExistingFile);
  run->add_flag("--web.health-without-auth", run_flags.agent.health_without_auth,
                "Answer /-/healthy and /-/ready without the web config's basic auth (e.g. for kubelet probes)");
  run->add_flag("--web.enable-lifecycle", run_flags.agent.enable_lifecycle,
                "Let POST /-/reload reload the configuration (without it: 403; SIGHUP always reloads)");
  run->add_option("--shard", run_flags.shard,
                  "Probe only the targets Prometheus' hashmod assigns to shard I of N (I counts from 0), e.g. 1/3; "
                  "overrides global.shard")
      ->check(ShardValidator());
  run->add_option("--log.level", run_flags.log_level, "Only log at this level and above; overrides global.log_level")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  run->add_option("--log.format", run_flags.log_format, "Log line format")
      ->check(CLI::IsMember({"json", "logfmt"}))
      ->capture_default_str();
  run->add_option("--log-file", run_flags.log_file, "Also append the log lines to this file");

  ScanFlags scan_flags;
  CLI::App* scan = app.add_subcommand("scan", "Probe once, print the report, exit with the gate's code");
  scan->add_option("urls", scan_flags.urls, "Base URLs to probe with the default checklist and discovery");
  scan->add_option("--config.file,--config", scan_flags.config, "Configuration file listing targets")
      ->check(CLI::ExistingFile);
  scan->add_option("--format", scan_flags.format, "Report format")
      ->check(CLI::IsMember({"text", "json", "junit", "markdown", "html"}))
      ->capture_default_str();
  scan->add_option("--fail-on", scan_flags.fail_on, "Lowest severity whose failure makes a target not ready (exit 3)")
      ->check(CLI::IsMember({"critical", "warning", "info"}))
      ->capture_default_str();
  scan->add_option("--min-score", scan_flags.min_score, "Exit 4 when a target scores below this (0..1)")
      ->check(CLI::Range(0.0, 1.0));
  scan->add_option("--output", scan_flags.output, "Write the report to this file instead of stdout");
  scan->add_option("--prometheus", scan_flags.prometheus,
                   "Prometheus server whose targets, alerting rules and Alertmanagers the monitoring checks read "
                   "(for URL targets and targets without prometheus: of their own)");
  scan->add_option("--shard", scan_flags.shard,
                   "Probe only the configured and discovered targets of shard I of N (Prometheus' hashmod)")
      ->check(ShardValidator());
  scan->add_flag("-v,--verbose", scan_flags.verbose, "Text format: show the detail of passing checks too");
  scan->add_flag("-q,--quiet", scan_flags.quiet,
                 "No progress on stderr; the text format prints only the summary: a line per target and the total");

  std::string config_file;
  CLI::App* check_config = app.add_subcommand("check-config", "Validate a configuration file");
  check_config->add_option("file", config_file, "Configuration file")->required();

  std::string web_config_file;
  CLI::App* check_web_config = app.add_subcommand(
      "check-web-config", "Validate a web configuration file (--web.config.file: TLS, basic-auth users, headers)");
  check_web_config->add_option("file", web_config_file, "Web configuration file")->required();

  std::string lint_file = "-";
  bool lint_openmetrics = false;
  CLI::App* lint_metrics = app.add_subcommand(
      "lint-metrics", "Lint a metrics exposition as promtool check metrics does, plus Probity's own rules");
  lint_metrics->add_option("file", lint_file, "Exposition file, or - for standard input")->capture_default_str();
  lint_metrics->add_flag("--openmetrics", lint_openmetrics, "Parse as OpenMetrics 1.0 text instead of text 0.0.4");

  LintLogsFlags lint_logs_flags;
  CLI::App* lint_logs = app.add_subcommand(
      "lint-logs", "Check every line of a log sample: structure, fields, secrets and PII (findings are masked)");
  lint_logs->add_option("file", lint_logs_flags.file, "Log file, or - for standard input")->capture_default_str();
  lint_logs->add_option("--rule", lint_logs_flags.rules, "Extra secret rule as NAME=REGEX (repeatable)");
  lint_logs->add_option("--max-findings", lint_logs_flags.max_findings,
                        "Findings printed per rule; the summary counts them all")
      ->capture_default_str();

  std::string checks_format = "text";
  std::string check_id;
  CLI::App* checks = app.add_subcommand("checks", "List the catalogue of checks, or document one");
  checks->add_option("id", check_id, "A check's id: what it verifies, why it matters, how to fix it");
  checks->add_option("--format", checks_format, "Output format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();

  std::string help_topic;
  CLI::App* help = app.add_subcommand("help", "Show help for probity or one of its commands");
  help->add_option("command", help_topic, "Command to describe");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "probity: " << e.what() << "\n" << FlagSuggestions(app, argc, argv) << "Run 'probity help' for usage.\n";
    return 2;
  }

  try {
    if (*run) return Run(std::move(run_flags));
    if (*scan) return Scan(scan_flags);
    if (*check_config) return CheckConfig(config_file);
    if (*check_web_config) return CheckWebConfig(web_config_file);
    if (*lint_metrics) return LintMetrics(lint_file, lint_openmetrics);
    if (*lint_logs) return LintLogs(lint_logs_flags);
    if (*checks) return ListChecks(check_id, checks_format);
    if (*help && !help_topic.empty()) {
      for (CLI::App* sub : app.get_subcommands({})) {
        if (sub->get_name() == help_topic) {
          std::cout << sub->help();
          return 0;
        }
      }
      std::cerr << "probity help: unknown command \"" << help_topic << "\"\n";
      return 2;
    }
    std::cout << app.help();
    return *help ? 0 : 2;
  } catch (const std::exception& e) {
    std::cerr << "probity: internal error: " << e.what() << "\n";
    return 1;
  }
}
