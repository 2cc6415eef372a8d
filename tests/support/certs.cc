#include "support/certs.h"

#include <arpa/inet.h>

#include <atomic>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/process.h"

namespace probity::testing {
namespace {

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

void Run(const std::vector<std::string>& argv) {
  const CommandResult r = RunCommand(argv, "", std::chrono::seconds(60));
  if (r.exit_code != 0) {
    std::string command;
    for (const std::string& a : argv) command += (command.empty() ? "" : " ") + a;
    throw std::runtime_error(command + " failed (exit " + std::to_string(r.exit_code) + "): " + r.err);
  }
}

bool IsIp(const std::string& name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

std::string AltNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + std::string(IsIp(n) ? "IP:" : "DNS:") + n;
  return out;
}

// "YYYYMMDDHHMMSSZ", the GeneralizedTime `openssl ca -startdate` takes.
std::string AsnTime(CertTime t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%SZ", &tm);
  return buf;
}

// A request config whose subject is CN=`cn`: `req_lines` go in [req], then
// `sections` follow.
std::string RequestConfig(const std::string& cn, const std::string& req_lines, const std::string& sections) {
  return "[req]\ndistinguished_name = dn\nprompt = no\n" + req_lines + "[dn]\nCN = " + cn + "\n" + sections;
}

const char kEcKey[] = "ec";

}  // namespace

TestCa::TestCa(std::string dir, std::string name) : dir_(std::move(dir)), name_(std::move(name)) {
  static std::atomic<int> counter{0};
  ca_dir_ = dir_ + "/ca" + std::to_string(counter++);
  std::filesystem::create_directories(ca_dir_ + "/issued");
  WriteText(ca_dir_ + "/index.txt", "");
  cert_file_ = ca_dir_ + "/ca.crt";
  key_file_ = ca_dir_ + "/ca.key";
  config_ = ca_dir_ + "/ca.cnf";
  WriteText(config_,
            RequestConfig(name_, "x509_extensions = v3_ca\n", "") +
                "[v3_ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n"
                "subjectKeyIdentifier = hash\n"
                "[ca]\ndefault_ca = test_ca\n"
                "[test_ca]\ndatabase = " + ca_dir_ + "/index.txt\nnew_certs_dir = " + ca_dir_ + "/issued\n"
                "certificate = " + cert_file_ + "\nprivate_key = " + key_file_ + "\n"
                "rand_serial = yes\ndefault_md = sha256\npolicy = any\nunique_subject = no\nemail_in_dn = no\n"
                "[any]\ncommonName = supplied\n");
  // -x509 with a start a day back: a CA is valid before any leaf it signs.
  const std::string csr = ca_dir_ + "/ca.csr";
  Run({"openssl", "req", "-new", "-config", config_, "-newkey", kEcKey, "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-keyout", key_file_, "-out", csr});
  Run({"openssl", "ca", "-batch", "-config", config_, "-selfsign", "-keyfile", key_file_, "-in", csr, "-out",
       cert_file_, "-startdate", AsnTime(std::chrono::system_clock::now() - std::chrono::hours(24)), "-enddate",
       AsnTime(std::chrono::system_clock::now() + std::chrono::hours(24 * 3650)), "-extensions", "v3_ca",
       "-extfile", config_, "-notext"});
}

CertFiles TestCa::Issue(const std::string& stem, const std::vector<std::string>& names, CertTime not_before,
                        CertTime not_after) const {
  if (names.empty()) throw std::runtime_error("a certificate needs a name");
  const std::string base = dir_ + "/" + stem;
  CertFiles files{base + ".crt", base + ".key"};
  const std::string config = base + ".cnf", csr = base + ".csr";
  WriteText(config, RequestConfig(names[0], "",
                                  "[leaf]\nbasicConstraints = critical, CA:FALSE\n"
                                  "keyUsage = critical, digitalSignature, keyEncipherment\n"
                                  "extendedKeyUsage = serverAuth\nsubjectAltName = " + AltNames(names) + "\n"
                                  "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid, issuer\n"));
  Run({"openssl", "req", "-new", "-config", config, "-newkey", kEcKey, "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", files.key, "-out", csr});
  Run({"openssl", "ca", "-batch", "-config", config_, "-in", csr, "-out", files.cert, "-startdate",
       AsnTime(not_before), "-enddate", AsnTime(not_after), "-extfile", config, "-extensions", "leaf", "-notext"});
  return files;
}

CertFiles TestCa::Issue(const std::string& stem, const std::vector<std::string>& names, int days) const {
  const CertTime now = std::chrono::system_clock::now();
  return Issue(stem, names, now - std::chrono::hours(1), now + std::chrono::hours(24) * days);
}

CertFiles SelfSigned(const std::string& dir, const std::string& stem, const std::vector<std::string>& names,
                     int days) {
  if (names.empty()) throw std::runtime_error("a certificate needs a name");
  const std::string base = dir + "/" + stem;
  CertFiles files{base + ".crt", base + ".key"};
  const std::string config = base + ".cnf";
  WriteText(config, RequestConfig(names[0], "x509_extensions = self\n",
                                  "[self]\nbasicConstraints = critical, CA:FALSE\nextendedKeyUsage = serverAuth\n"
                                  "subjectAltName = " + AltNames(names) + "\nsubjectKeyIdentifier = hash\n"));
  Run({"openssl", "req", "-x509", "-new", "-config", config, "-newkey", kEcKey, "-pkeyopt",
       "ec_paramgen_curve:P-256", "-nodes", "-keyout", files.key, "-out", files.cert, "-days", std::to_string(days)});
  return files;
}

void ConcatenatePem(const std::vector<std::string>& files, const std::string& out) {
  std::string all;
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + f);
    std::stringstream text;
    text << in.rdbuf();
    all += text.str();
    if (!all.empty() && all.back() != '\n') all += '\n';
  }
  WriteText(out, all);
}

}  // namespace probity::testing
