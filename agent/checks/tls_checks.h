#pragma once

#include <string>
#include <utility>
#include <vector>

#include "checks/check.h"
#include "core/clock.h"
#include "core/status.h"
#include "tls/tls_probe.h"

namespace probity {

// The `tls` category of CHECKS.md, defined in tls_checks.cc: one inspection
// per HTTPS origin of the target (its URL and the endpoints discovery found)
// per run, judged three ways. Plain-HTTP targets are skipped.
const std::vector<CheckInfo>& TlsChecks();

// The `tls` category of CHECKS.md, as pure judgements over what InspectTls
// saw at each HTTPS endpoint of a target (its URL, and the facts or the
// reason there are none). No I/O: the caller inspects each endpoint once and
// hands the same TlsSeen to all three.
//
// Each judge: an empty TlsSeen skips ("the target has no HTTPS endpoint");
// it fails when any endpoint fails, naming every failing URL; else it is an
// error when any endpoint could not be inspected, with the reasons; else it
// passes. Details are one line.
using TlsSeen = std::vector<std::pair<std::string, StatusOr<TlsFacts>>>;

// tls.certificate.valid: the presented chain verifies for the host name.
// The detail says what is wrong (expired, not yet valid, self-signed,
// unknown issuer, wrong name), the remedy how to fix the first failure.
Verdict JudgeCertificateValid(const TlsSeen& seen);

// tls.certificate.expiry: the earliest-expiring certificate of each
// presented chain expires more than `min_days` days after `now`.
Verdict JudgeCertificateExpiry(const TlsSeen& seen, WallTime now, long min_days);

// tls.protocol.modern: each endpoint negotiates TLS 1.2 or 1.3 and completed
// no handshake pinned to TLS 1.0 or 1.1.
Verdict JudgeProtocolModern(const TlsSeen& seen);

}  // namespace probity
