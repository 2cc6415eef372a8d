#include <catch2/catch.hpp>

#include "server/basic_auth.h"

using namespace probity;

namespace {
// "s3cret", cost 10, made with libxcrypt's crypt_gensalt and crypt.
constexpr char kHash[] = "$2y$10$n5odXtLwgVfnB0mtygNu1OlTvOosIp4qjxdGcAdZNMXObK9ewrX.y";
}  // namespace

TEST_CASE("bcrypt hashes are checked with crypt_r", "[server][auth]") {
  CHECK(BcryptMatches("s3cret", kHash));
  CHECK_FALSE(BcryptMatches("s3cre", kHash));
  CHECK_FALSE(BcryptMatches("s3cret", "$2y$10$short"));
  CHECK_FALSE(BcryptMatches("s3cret", ""));
  // $2a$ and $2b$ hashes of the same password, salt and cost verify too.
  std::string a = kHash, b = kHash;
  a[2] = 'a';
  b[2] = 'b';
  CHECK(BcryptMatches("s3cret", a));
  CHECK(BcryptMatches("s3cret", b));
}

TEST_CASE("Basic-auth users remember verified pairs, so a scrape costs no bcrypt", "[server][auth]") {
  BcryptUsers users(std::map<std::string, std::string>{{"prometheus", kHash}});
  CHECK_FALSE(users.Cached("prometheus", "s3cret").has_value());
  CHECK(users.Verify("prometheus", "s3cret"));
  CHECK(users.Cached("prometheus", "s3cret") == std::optional<bool>(true));
  CHECK_FALSE(users.Verify("prometheus", "wrong"));
  CHECK(users.Cached("prometheus", "wrong") == std::optional<bool>(false));
  // An unknown user never passes, whatever it sends.
  CHECK_FALSE(users.Verify("nobody", "s3cret"));
  CHECK_FALSE(users.Verify("", ""));
}

TEST_CASE("Basic-auth users' memory of pairs is bounded", "[server][auth]") {
  BcryptUsers users(std::map<std::string, std::string>{{"prometheus", kHash}}, 2);
  CHECK(users.Verify("prometheus", "s3cret"));
  CHECK_FALSE(users.Verify("prometheus", "a"));
  CHECK(users.Cached("prometheus", "s3cret").has_value());
  // A third pair finds the memory full: it starts afresh, holding the newest only.
  CHECK_FALSE(users.Verify("prometheus", "b"));
  CHECK_FALSE(users.Cached("prometheus", "s3cret").has_value());
  CHECK(users.Cached("prometheus", "b") == std::optional<bool>(false));
  CHECK(users.Verify("prometheus", "s3cret"));
}
