#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace probity::testing {

// Certificates for tests, made with the `openssl` command-line tool (P-256
// keys, SHA-256) in a directory the caller owns, a TempDir's path say.
// Every function throws std::runtime_error with openssl's stderr when a
// command fails. Not thread-safe: a TestCa keeps an `openssl ca` database.

struct CertFiles {
  std::string cert;  // PEM certificate
  std::string key;   // PEM private key, unencrypted
};

using CertTime = std::chrono::system_clock::time_point;

class TestCa {
 public:
  // A new CA certificate (CN=`name`, CA:TRUE, valid from a day ago for 10
  // years) and its key, as files in `dir`.
  explicit TestCa(std::string dir, std::string name = "Probity Test CA");

  const std::string& cert_file() const { return cert_file_; }
  const std::string& name() const { return name_; }

  // A server certificate signed by this CA for `names` (host names or IP
  // literals, all in subjectAltName; the first is also the CN), valid from
  // `not_before` to `not_after` (either may be in the past or the future).
  // Its files are `dir`/`stem`.crt and .key.
  CertFiles Issue(const std::string& stem, const std::vector<std::string>& names, CertTime not_before,
                  CertTime not_after) const;
  // The same, valid from an hour ago for `days` days.
  CertFiles Issue(const std::string& stem, const std::vector<std::string>& names, int days = 90) const;

 private:
  std::string dir_;     // where issued certificates go
  std::string ca_dir_;  // the CA's own files and `openssl ca` database
  std::string name_;
  std::string config_;
  std::string cert_file_;
  std::string key_file_;
};

// A self-signed server certificate for `names` (as TestCa::Issue), valid
// from now for `days` days, without keyUsage, as most self-signed
// certificates are made (`openssl req -x509`).
CertFiles SelfSigned(const std::string& dir, const std::string& stem, const std::vector<std::string>& names,
                     int days = 90);

// Concatenates PEM files (a leaf and its chain, several CAs) into `out`.
void ConcatenatePem(const std::vector<std::string>& files, const std::string& out);

}  // namespace probity::testing
