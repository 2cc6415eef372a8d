#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace probity {

// What InspectTls connects to and how it judges trust.
struct TlsEndpoint {
  std::string host;         // a name or an IP literal (IPv6 without brackets)
  int port = 443;
  std::string server_name;  // sent as SNI and verified against the certificate; empty = host
  std::string ca_file;      // PEM file of trusted CAs instead of the system store; empty = system store
  Duration timeout = std::chrono::seconds(5);
};

// Why the presented chain does not verify. When several apply, the one
// OpenSSL meets first (the order `openssl s_client` and curl report):
// an untrusted chain (self-signed, unknown issuer), then the name, then
// the dates. TlsFacts::trust_detail names every problem found.
enum class TrustProblem { kNone, kExpired, kNotYetValid, kSelfSigned, kUnknownIssuer, kWrongName, kOther };

// What one endpoint's TLS handshakes showed. Strings from the certificates
// are made printable and bounded; they are still the server's words.
struct TlsFacts {
  std::string protocol;  // negotiated by the main handshake, as OpenSSL names it: "TLSv1.3", "TLSv1.2", "TLSv1.1"
  TrustProblem problem = TrustProblem::kNone;
  // One line naming each problem and its certificate ("certificate for
  // CN=localhost expired on 2020-02-01 (6 years ago)"); empty when kNone.
  std::string trust_detail;
  std::string verified_name;  // the name (or IP) the certificate was checked against
  int chain_length = 0;       // certificates the server presented (0: none, then the dates below are 0)
  std::int64_t earliest_not_after = 0;  // unix seconds: the soonest notAfter of the presented chain
  std::string earliest_subject;         // the subject of that certificate ("CN=localhost")
  std::int64_t leaf_not_after = 0;      // unix seconds
  std::string leaf_subject;
  // The legacy versions ("TLSv1", "TLSv1.1") the server completed a handshake with.
  std::vector<std::string> legacy_accepted;
  // The legacy versions whose probe got neither a handshake nor a refusal
  // before the deadline (a server that ignores such hellos): not accepted,
  // but not seen refused either.
  std::vector<std::string> legacy_unanswered;
};

// Connects to the endpoint and runs three TLS handshakes side by side:
//  - the main one, with the library's defaults (TLS 1.2 or 1.3 in OpenSSL
//    3), verifying the chain against `ca_file` or the system store and the
//    certificate against `server_name` (an IP literal is checked against
//    the certificate's IP addresses and sent without SNI). A chain that does
//    not verify does not stop the handshake: the facts say why it failed;
//  - two pinned to TLS 1.0 and to TLS 1.1 (security level 0, so that the
//    client can offer them). A refused, reset or closed probe is "not
//    accepted", never an error.
// When the main handshake fails but a legacy one completed (a server that
// speaks only TLS 1.0/1.1), the facts come from the best legacy handshake,
// verified the same way (key-strength rules of level 0 then).
// SSLv3 is not probed: the TLS library cannot speak it.
//
// Bounded: all handshakes share one deadline, `timeout` after the name is
// resolved (each handshake's connects, writes and reads included, so the
// call returns within about `timeout` however the peer behaves), and each
// reads at most 1 MiB. Errors, for the main handshake only: cannot resolve,
// cannot connect, "TLS handshake with host:port timed out after 2s",
// "host:port is not TLS (received "HTTP/1.1 400 …")", the peer closing or
// resetting, a handshake failure with OpenSSL's reason, an unreadable
// `ca_file`.
// Name resolution (getaddrinfo, for a host that is not an IP literal) runs
// before the deadline and is not bounded by it: the system resolver's own
// timeouts apply (resolv.conf; 5 s per try by default).
// Thread-safe: each call has its own contexts and sockets.
StatusOr<TlsFacts> InspectTls(const TlsEndpoint& endpoint);

// A calendar date in UTC: "2026-12-09".
std::string FormatDate(std::int64_t unix_seconds);

// A span of time for a person, rounded down: "45 minutes", "30 hours",
// "2 days 23 hours", "89 days", "2 years". Negative spans read as positive.
std::string DescribeSpan(std::int64_t seconds);

}  // namespace probity
