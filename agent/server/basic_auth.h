#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "http/http_server.h"

namespace probity {

// The web config's basic_auth_users: user name → bcrypt hash, verified with
// libxcrypt's crypt_r. A pair once verified (either way) is remembered, keyed
// by a SHA-256 of user, password and hash, so a scrape every 15 s costs one
// bcrypt per agent lifetime, not one per scrape. The memory holds at most
// `max_remembered` pairs and starts afresh when full.
class BcryptUsers final : public BasicAuthenticator {
 public:
  static constexpr std::size_t kMaxRemembered = 1024;

  explicit BcryptUsers(std::map<std::string, std::string> users, std::size_t max_remembered = kMaxRemembered);

  std::optional<bool> Cached(const std::string& user, const std::string& password) const override;
  bool Verify(const std::string& user, const std::string& password) override;

 private:
  std::string Key(const std::string& user, const std::string& password) const;

  const std::map<std::string, std::string> users_;
  const std::size_t max_remembered_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, bool> verdicts_;  // Key() → accepted
};

// Checks `password` against a bcrypt `hash` with crypt_r, in constant time
// for the comparison. False for a malformed hash.
bool BcryptMatches(const std::string& password, const std::string& hash);

}  // namespace probity
