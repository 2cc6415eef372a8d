#include <catch2/catch.hpp>

#include "core/text.h"

using namespace probity;

TEST_CASE("UTF-8 validation rejects ill-formed sequences", "[core]") {
  CHECK(IsValidUtf8("plain ascii"));
  CHECK(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  CHECK_FALSE(IsValidUtf8("\xff"));
  CHECK_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xE2\x82"));          // truncated
}

TEST_CASE("Sanitising replaces each bad byte and keeps good text", "[core]") {
  CHECK(SanitizeUtf8("a\xffz") == "a\xEF\xBF\xBDz");
  CHECK(IsValidUtf8(SanitizeUtf8("\xC3\x28\xED\xA0\x80\xF8\x88")));
}

TEST_CASE("Excerpts are one bounded printable line", "[core]") {
  CHECK(Excerpt("a\n\tb   c") == "a b c");
  CHECK(Excerpt(std::string(200, 'x'), 10) == std::string(10, 'x') + "\xE2\x80\xA6");
  CHECK(IsValidUtf8(Excerpt("\xff\xfe\x00garbage", 80)));
}

TEST_CASE("Masked secrets keep at most a short prefix", "[core]") {
  CHECK(MaskSecret("AKIAABCDEFGHIJKLMNOP") == "AKIA****");
  CHECK(MaskSecret("abc") == "****");
  CHECK(MaskSecret("hunter22") == "hu****");
}

TEST_CASE("RFC 3339 timestamps are UTC with milliseconds", "[core]") {
  CHECK(FormatRfc3339(WallTime(std::chrono::milliseconds(1714557600123))) == "2024-05-01T10:00:00.123Z");
}
