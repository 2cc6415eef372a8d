#include "support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace probity::testing {
namespace {

std::vector<char*> Argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const std::string& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// Starts argv with stdin, stdout and stderr connected to the given files.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& in_path, const std::string& out_path,
            const std::string& err_path) {
  const pid_t pid = fork();
  if (pid == 0) {
    int in = open(in_path.c_str(), O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(in, 0), dup2(out, 1), dup2(err, 2);
    auto args = Argv(argv);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string UniqueName(const std::string& stem) {
  static std::atomic<int> counter{0};
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp ? tmp : "/tmp") + "/probity-test-" + std::to_string(getpid()) + "-" +
         std::to_string(counter++) + "-" + stem;
}

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input,
                         std::chrono::milliseconds timeout) {
  const std::string out_path = UniqueName("out"), err_path = UniqueName("err"), in_path = UniqueName("in");
  { std::ofstream(in_path, std::ios::binary) << input; }
  const pid_t pid = Spawn(argv, in_path, out_path, err_path);
  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  std::remove(out_path.c_str()), std::remove(err_path.c_str()), std::remove(in_path.c_str());
  return result;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv)
    : out_path_(UniqueName("child-out")), err_path_(UniqueName("child-err")) {
  pid_ = Spawn(argv, "/dev/null", out_path_, err_path_);
}

ChildProcess::~ChildProcess() {
  if (Running()) {
    if (Signal(SIGTERM, std::chrono::seconds(5)) < 0 && Running()) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
    }
  }
  std::remove(out_path_.c_str());
  std::remove(err_path_.c_str());
}

bool ChildProcess::Running() {
  if (reaped_) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

std::string ChildProcess::Stdout() const { return ReadFile(out_path_); }
std::string ChildProcess::Stderr() const { return ReadFile(err_path_); }

std::string ChildProcess::WaitForLine(const std::string& needle, bool from_stderr, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::istringstream text(from_stderr ? Stderr() : Stdout());
    std::string line;
    while (std::getline(text, line)) {
      if (line.find(needle) != std::string::npos) return line;
    }
    if (!Running()) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "";
}

int ChildProcess::Signal(int signal, std::chrono::milliseconds timeout) {
  if (!Running()) return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
  kill(pid_, signal);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!Running()) return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

SampleBackend::SampleBackend(const std::vector<std::string>& args)
    : process_([&] {
        std::vector<std::string> argv = {SAMPLE_BACKEND_BINARY, "--listen", "127.0.0.1:0"};
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
      }()) {
  const std::string line = process_.WaitForLine("listening on ", false);
  if (line.empty()) throw std::runtime_error("sample_backend did not start: " + process_.Stderr());
  url_ = line.substr(line.find("http://"));
}

int AgentPort(ChildProcess& agent) {
  const std::string line = agent.WaitForLine("\"probity started\"", true);
  if (line.empty()) return 0;
  auto json = nlohmann::json::parse(line, nullptr, false);
  if (json.is_discarded() || !json.contains("port")) return 0;
  return std::stoi(json["port"].get<std::string>());
}

TempDir::TempDir() : path_(UniqueName("dir")) { std::filesystem::create_directories(path_); }
TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}
std::string TempDir::Write(const std::string& name, const std::string& content) const {
  const std::string file = path_ + "/" + name;
  std::ofstream(file, std::ios::binary) << content;
  return file;
}

SimpleResponse HttpGet(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(10));
  SimpleResponse out;
  if (auto res = client.Get(path.c_str())) {
    out.status = res->status;
    out.body = res->body;
    out.content_type = res->get_header_value("Content-Type");
  }
  return out;
}

}  // namespace probity::testing

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace probity::testing {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool WaitForBody(int port, const std::string& path, const std::vector<std::string>& needles) {
  for (int i = 0; i < 300; ++i) {
    const SimpleResponse r = HttpGet(port, path);
    bool all = r.status == 200;
    for (const std::string& n : needles) all = all && r.body.find(n) != std::string::npos;
    if (all) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::string ReadTestdata(const std::string& relative_path) {
  std::ifstream in(std::string(PROBITY_TESTDATA) + "/" + relative_path, std::ios::binary);
  if (!in.good()) throw std::runtime_error("no test data " + relative_path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace probity::testing
