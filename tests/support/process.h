#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace probity::testing {

struct CommandResult {
  int exit_code = -1;  // -1: killed or timed out
  std::string out;
  std::string err;
};

// Runs a command to completion (killed after `timeout`), feeding `input` on
// stdin and capturing stdout and stderr.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input = "",
                         std::chrono::milliseconds timeout = std::chrono::seconds(120));

// A background process with its stdout and stderr captured to files. The
// destructor sends SIGTERM, then SIGKILL after 5 s, and reaps it.
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits (bounded) until stdout or stderr contains `needle`; returns the
  // line containing it, or "" on timeout or exit.
  std::string WaitForLine(const std::string& needle, bool from_stderr,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));
  std::string Stdout() const;
  std::string Stderr() const;
  // Sends `signal` and waits (bounded) for exit; returns the exit code, or -1.
  int Signal(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool Running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  bool reaped_ = false;
  std::string out_path_;
  std::string err_path_;
};

// A sample backend on an ephemeral loopback port, with extra arguments.
class SampleBackend {
 public:
  explicit SampleBackend(const std::vector<std::string>& args = {});
  const std::string& url() const { return url_; }

 private:
  ChildProcess process_;
  std::string url_;
};

// The port a "probity run" child logs in its "probity started" line, or 0.
int AgentPort(ChildProcess& agent);

// A unique scratch directory under the build tree's temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  std::string Write(const std::string& name, const std::string& content) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// GET over loopback with a short timeout; status 0 when nothing answered.
struct SimpleResponse {
  int status = 0;
  std::string body;
  std::string content_type;
};
SimpleResponse HttpGet(int port, const std::string& path);

// GETs `path` (at most 300 times, 100 ms apart) until it answers 200 with a
// body that contains every needle; false when it never did.
bool WaitForBody(int port, const std::string& path, const std::vector<std::string>& needles);

// A file under tests/testdata, whole ("monitoring/targets_active.json").
std::string ReadTestdata(const std::string& relative_path);

}  // namespace probity::testing

namespace probity::testing {
// A loopback port that was free a moment ago (for programs that cannot be
// told to pick their own).
int FreePort();
}  // namespace probity::testing
