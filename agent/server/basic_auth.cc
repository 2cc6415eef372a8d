#include "server/basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <memory>

namespace probity {

namespace {

// Verified against when the user is unknown, so that an unknown user costs
// the same time as a wrong password (the cost of a real hash: 10).
constexpr char kDummyHash[] = "$2y$10$QOauhQNbBCuQDKes6eFzPeyR5HyZ4iAN.tXQxVDwlMTKIYdPI712y";

}  // namespace

bool BcryptMatches(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();
  const char* computed = crypt_r(password.c_str(), hash.c_str(), data.get());
  // libxcrypt answers a failure with a string starting with '*'.
  if (computed == nullptr || computed[0] == '*') return false;
  const std::string result(computed);
  return result.size() == hash.size() && CRYPTO_memcmp(result.data(), hash.data(), hash.size()) == 0;
}

BcryptUsers::BcryptUsers(std::map<std::string, std::string> users, std::size_t max_remembered)
    : users_(std::move(users)), max_remembered_(std::max<std::size_t>(1, max_remembered)) {}

std::string BcryptUsers::Key(const std::string& user, const std::string& password) const {
  const auto it = users_.find(user);
  std::string material = user;
  material += '\0';
  material += password;
  material += '\0';
  if (it != users_.end()) material += it->second;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
  OPENSSL_cleanse(material.data(), material.size());
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

std::optional<bool> BcryptUsers::Cached(const std::string& user, const std::string& password) const {
  const std::string key = Key(user, password);
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = verdicts_.find(key);
  if (it == verdicts_.end()) return std::nullopt;
  return it->second;
}

bool BcryptUsers::Verify(const std::string& user, const std::string& password) {
  if (std::optional<bool> known = Cached(user, password)) return *known;
  const auto it = users_.find(user);
  bool accepted = BcryptMatches(password, it != users_.end() ? it->second : kDummyHash);
  if (it == users_.end()) accepted = false;
  const std::string key = Key(user, password);
  std::lock_guard<std::mutex> lock(mu_);
  if (verdicts_.size() >= max_remembered_) verdicts_.clear();
  verdicts_.emplace(key, accepted);
  return accepted;
}

}  // namespace probity
