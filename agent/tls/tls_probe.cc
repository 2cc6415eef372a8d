#include "tls/tls_probe.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <utility>

#include "core/duration.h"
#include "core/text.h"

namespace probity {
namespace {

constexpr std::size_t kMaxReceived = std::size_t{1} << 20;  // per handshake
constexpr std::size_t kHeadKept = 24;                       // first bytes kept to show a peer that is not TLS
constexpr std::size_t kMaxProblems = 16;                    // verification problems kept per handshake
constexpr std::size_t kMaxNamesShown = 4;

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct StoreFree {
  void operator()(X509_STORE* store) const { X509_STORE_free(store); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using StorePtr = std::unique_ptr<X509_STORE, StoreFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

class Socket {
 public:
  Socket() = default;
  ~Socket() { Reset(-1); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  void Reset(int fd) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

std::string ErrnoText(int error) { return std::strerror(error); }

// The reason of the oldest error OpenSSL queued ("wrong version number"),
// and the queue emptied.
std::string OpenSslReason() {
  const unsigned long error = ERR_get_error();
  ERR_clear_error();
  if (error == 0) return "";
  if (ERR_SYSTEM_ERROR(error)) return ErrnoText(ERR_GET_REASON(error));
  const char* reason = ERR_reason_error_string(error);
  return reason != nullptr ? reason : "OpenSSL error " + std::to_string(error);
}

bool IsIpLiteral(const std::string& host) {
  in6_addr address;
  return inet_pton(AF_INET, host.c_str(), &address) == 1 || inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

std::string HostPort(const std::string& host, int port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::int64_t UnixSeconds(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return 0;
  using namespace std::chrono;
  const sys_days day = year{tm.tm_year + 1900} / month{static_cast<unsigned>(tm.tm_mon + 1)} /
                       std::chrono::day{static_cast<unsigned>(tm.tm_mday)};
  return duration_cast<seconds>(day.time_since_epoch()).count() + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

std::string NameText(const X509_NAME* name) {
  if (name == nullptr) return "(no name)";
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) return "(no name)";
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  if (size <= 0) return "(empty name)";
  return Excerpt(std::string_view(data, static_cast<std::size_t>(size)), 160);
}

// The DNS names and IP addresses of a certificate's subjectAltName, for a
// person: "DNS:other.example, IP:10.0.0.1".
std::string AltNames(X509* cert) {
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return "";
  std::string out;
  int shown = 0, total = 0;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    std::string text;
    if (name->type == GEN_DNS) {
      const ASN1_STRING* dns = name->d.dNSName;
      text = "DNS:" + Excerpt(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                               static_cast<std::size_t>(ASN1_STRING_length(dns))),
                              80);
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      char buf[INET6_ADDRSTRLEN] = {};
      const int family = ASN1_STRING_length(ip) == 4 ? AF_INET : ASN1_STRING_length(ip) == 16 ? AF_INET6 : 0;
      if (family == 0 || inet_ntop(family, ASN1_STRING_get0_data(ip), buf, sizeof buf) == nullptr) continue;
      text = std::string("IP:") + buf;
    } else {
      continue;
    }
    ++total;
    if (shown < static_cast<int>(kMaxNamesShown)) {
      out += (shown++ == 0 ? "" : ", ") + text;
    }
  }
  GENERAL_NAMES_free(names);
  if (total > shown) out += " and " + std::to_string(total - shown) + " more";
  return out;
}

// One problem the chain verification met, with what describing it needs.
struct VerifyProblem {
  int code = X509_V_OK;
  int depth = 0;
  std::string subject;
  std::string issuer;
  std::string alt_names;
  std::int64_t not_before = 0;
  std::int64_t not_after = 0;
};

// The verification callback: records each problem (on the SSL's app data)
// and lets verification go on, so that every problem is seen and the
// handshake completes whatever the chain.
int RecordVerifyProblem(int ok, X509_STORE_CTX* store) {
  if (ok == 1) return 1;
  try {
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* problems = ssl != nullptr ? static_cast<std::vector<VerifyProblem>*>(SSL_get_app_data(ssl)) : nullptr;
    if (problems == nullptr || problems->size() >= kMaxProblems) return 1;
    VerifyProblem problem;
    problem.code = X509_STORE_CTX_get_error(store);
    problem.depth = X509_STORE_CTX_get_error_depth(store);
    for (const VerifyProblem& seen : *problems) {
      if (seen.code == problem.code && seen.depth == problem.depth) return 1;
    }
    if (X509* cert = X509_STORE_CTX_get_current_cert(store)) {
      problem.subject = NameText(X509_get_subject_name(cert));
      problem.issuer = NameText(X509_get_issuer_name(cert));
      problem.not_before = UnixSeconds(X509_get0_notBefore(cert));
      problem.not_after = UnixSeconds(X509_get0_notAfter(cert));
      if (problem.code == X509_V_ERR_HOSTNAME_MISMATCH || problem.code == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        problem.alt_names = AltNames(cert);
      }
    }
    problems->push_back(std::move(problem));
  } catch (...) {
    // Out of memory while describing: the problem goes unrecorded and
    // SSL_get_verify_result still tells that verification failed.
  }
  return 1;
}

TrustProblem KindOf(int code) {
  switch (code) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return TrustProblem::kExpired;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return TrustProblem::kNotYetValid;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return TrustProblem::kSelfSigned;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return TrustProblem::kUnknownIssuer;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return TrustProblem::kWrongName;
    default:
      return TrustProblem::kOther;
  }
}

std::string Describe(const VerifyProblem& p, const std::string& name, std::int64_t now) {
  const std::string whose = p.depth == 0 ? "certificate for " + p.subject : "CA certificate " + p.subject;
  switch (KindOf(p.code)) {
    case TrustProblem::kExpired:
      return whose + " expired on " + FormatDate(p.not_after) + " (" + DescribeSpan(now - p.not_after) + " ago)";
    case TrustProblem::kNotYetValid:
      return whose + " is not valid before " + FormatDate(p.not_before) + " (in " +
             DescribeSpan(p.not_before - now) + ")";
    case TrustProblem::kSelfSigned:
      return p.code == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
                 ? whose + " is self-signed and not trusted"
                 : "the chain ends in the self-signed " + whose + ", which is not trusted";
    case TrustProblem::kUnknownIssuer:
      return whose + " is issued by " + p.issuer + ", which is not a trusted CA (unknown issuer)";
    case TrustProblem::kWrongName:
      return whose + " is not valid for " + name +
             (p.alt_names.empty() ? " (it has no DNS name or IP address)" : " (it names " + p.alt_names + ")");
    default:
      return whose + ": " + X509_verify_cert_error_string(p.code);
  }
}

// One handshake over a non-blocking socket. OpenSSL reads and writes memory
// BIOs; this code moves the bytes, so that it sees what the peer sent and
// never blocks.
struct Handshake {
  enum class State { kConnecting, kHandshaking, kDone, kFailed };

  std::string version;  // "" for the main handshake, else the pinned one ("TLSv1")
  SslPtr ssl;
  BIO* in = nullptr;   // owned by ssl
  BIO* out = nullptr;  // owned by ssl
  Socket socket;
  std::size_t address = 0;  // which resolved address is being tried
  int connect_error = ECONNREFUSED;
  State state = State::kConnecting;
  std::string pending;  // what OpenSSL wrote, not yet sent
  std::string head;     // the first bytes the peer sent
  std::size_t received = 0;
  std::string error;    // why it failed, for the main handshake's Status
  std::vector<VerifyProblem> problems;
};

struct Peer {
  std::string where;  // "host:port"
  std::vector<std::pair<sockaddr_storage, socklen_t>> addresses;
};

void Fail(Handshake& h, std::string error) {
  h.state = Handshake::State::kFailed;
  h.error = std::move(error);
  h.socket.Reset(-1);
}

bool LooksLikeTls(const std::string& head) {
  if (head.empty()) return true;
  const auto type = static_cast<unsigned char>(head[0]);
  if (type < 20 || type > 24) return false;  // change_cipher_spec, alert, handshake, application_data, heartbeat
  return head.size() < 2 || head[1] == '\x03';
}

void FailNotTls(Handshake& h, const Peer& peer) {
  const std::string shown = Printable(h.head.substr(0, std::min(h.head.size(), kHeadKept)));
  Fail(h, peer.where + " is not TLS (received \"" + shown + (h.received > kHeadKept ? "…" : "") + "\")");
}

// Moves what OpenSSL wrote into `pending` and sends what the socket takes.
// False when the connection broke (the handshake has failed then).
bool Flush(Handshake& h, const Peer& peer) {
  char buf[4096];
  int n;
  while ((n = BIO_read(h.out, buf, sizeof buf)) > 0) h.pending.append(buf, static_cast<std::size_t>(n));
  while (!h.pending.empty()) {
    const ssize_t sent = send(h.socket.get(), h.pending.data(), h.pending.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      h.pending.erase(0, static_cast<std::size_t>(sent));
    } else if (sent < 0 && errno == EINTR) {
      continue;
    } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return true;
    } else {
      const int error = errno;
      Fail(h, peer.where + (error == ECONNRESET || error == EPIPE ? " reset the connection during the TLS handshake"
                                                                 : " cannot be written to: " + ErrnoText(error)));
      return false;
    }
  }
  return true;
}

void Drive(Handshake& h, const Peer& peer) {
  ERR_clear_error();
  const int result = SSL_do_handshake(h.ssl.get());
  const int error = result == 1 ? SSL_ERROR_NONE : SSL_get_error(h.ssl.get(), result);
  if (result == 1) {
    SSL_shutdown(h.ssl.get());  // close_notify, sent as a courtesy
    ERR_clear_error();
    Flush(h, peer);
    h.state = Handshake::State::kDone;
    h.socket.Reset(-1);
    return;
  }
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    Flush(h, peer);
    return;
  }
  const std::string reason = OpenSslReason();
  Flush(h, peer);  // the alert OpenSSL queued, if any
  if (!LooksLikeTls(h.head)) return FailNotTls(h, peer);
  Fail(h, "TLS handshake with " + peer.where + " failed: " + (reason.empty() ? "no reason given" : reason));
}

void Handshaking(Handshake& h, const Peer& peer) {
  h.state = Handshake::State::kHandshaking;
  Drive(h, peer);
}

void Connect(Handshake& h, const Peer& peer) {
  while (h.address < peer.addresses.size()) {
    const auto& [address, length] = peer.addresses[h.address];
    h.socket.Reset(socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (h.socket.get() < 0) return Fail(h, "cannot open a socket: " + ErrnoText(errno));
    if (connect(h.socket.get(), reinterpret_cast<const sockaddr*>(&address), length) == 0) return Handshaking(h, peer);
    if (errno == EINPROGRESS) {
      h.state = Handshake::State::kConnecting;
      return;
    }
    h.connect_error = errno;
    ++h.address;
  }
  Fail(h, "cannot connect to " + peer.where + ": " + ErrnoText(h.connect_error));
}

void ConnectDone(Handshake& h, const Peer& peer) {
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(h.socket.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  if (error == 0) return Handshaking(h, peer);
  h.connect_error = error;
  ++h.address;
  Connect(h, peer);
}

void Receive(Handshake& h, const Peer& peer) {
  char buf[16384];
  const ssize_t n = recv(h.socket.get(), buf, sizeof buf, 0);
  if (n < 0) {
    const int error = errno;
    if (error == EAGAIN || error == EWOULDBLOCK || error == EINTR) return;
    if (error == ECONNRESET) return Fail(h, peer.where + " reset the connection during the TLS handshake");
    return Fail(h, "cannot read from " + peer.where + ": " + ErrnoText(error));
  }
  if (n == 0) {
    return Fail(h, peer.where + (h.received == 0 ? " closed the connection without answering the TLS handshake"
                                                 : " closed the connection during the TLS handshake"));
  }
  const auto size = static_cast<std::size_t>(n);
  if (h.head.size() < kHeadKept) h.head.append(buf, std::min(size, kHeadKept - h.head.size()));
  h.received += size;
  if (!LooksLikeTls(h.head)) return FailNotTls(h, peer);
  if (h.received > kMaxReceived) {
    return Fail(h, peer.where + " sent more than " + FormatByteSize(kMaxReceived) + " during the TLS handshake");
  }
  if (BIO_write(h.in, buf, static_cast<int>(size)) != static_cast<int>(size)) {
    return Fail(h, "cannot buffer the TLS handshake with " + peer.where);
  }
  Drive(h, peer);
}

// The CAs every handshake of a call trusts, loaded once.
StatusOr<StorePtr> TrustStore(const TlsEndpoint& endpoint) {
  StorePtr store(X509_STORE_new());
  if (!store) return Status::Error("cannot make a certificate store: " + OpenSslReason());
  if (endpoint.ca_file.empty()) {
    if (X509_STORE_set_default_paths(store.get()) != 1) {
      return Status::Error("cannot load the system's trusted CAs: " + OpenSslReason());
    }
  } else if (X509_STORE_load_file(store.get(), endpoint.ca_file.c_str()) != 1) {
    return Status::Error("cannot read CA certificates from " + Printable(endpoint.ca_file) + ": " + OpenSslReason());
  }
  return store;
}

StatusOr<SslCtxPtr> MakeContext(X509_STORE* trusted, int pinned_version) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return Status::Error("cannot make a TLS context: " + OpenSslReason());
  if (pinned_version != 0) {
    // OpenSSL 3 offers TLS 1.0 and 1.1 only at security level 0.
    if (SSL_CTX_set_min_proto_version(ctx.get(), pinned_version) != 1 ||
        SSL_CTX_set_max_proto_version(ctx.get(), pinned_version) != 1 ||
        SSL_CTX_set_cipher_list(ctx.get(), "DEFAULT:@SECLEVEL=0") != 1) {
      return Status::Error("cannot set up a legacy TLS probe: " + OpenSslReason());
    }
  }
  SSL_CTX_set1_cert_store(ctx.get(), trusted);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, RecordVerifyProblem);
  return ctx;
}

Status SetUp(Handshake& h, SSL_CTX* ctx, const std::string& name) {
  h.ssl.reset(SSL_new(ctx));
  h.in = BIO_new(BIO_s_mem());
  h.out = BIO_new(BIO_s_mem());
  if (!h.ssl || h.in == nullptr || h.out == nullptr) {
    BIO_free(h.in), BIO_free(h.out);
    return Status::Error("cannot start a TLS handshake: " + OpenSslReason());
  }
  SSL_set_bio(h.ssl.get(), h.in, h.out);
  SSL_set_connect_state(h.ssl.get());
  SSL_set_app_data(h.ssl.get(), &h.problems);
  X509_VERIFY_PARAM* param = SSL_get0_param(h.ssl.get());
  const bool ok = IsIpLiteral(name)
                      ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) == 1
                      : (X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size()) == 1 &&
                         SSL_set_tlsext_host_name(h.ssl.get(), name.c_str()) == 1);
  if (!ok) return Status::Error("cannot verify the name \"" + Printable(name) + "\": " + OpenSslReason());
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return Status::Ok();
}

StatusOr<Peer> Resolve(const TlsEndpoint& endpoint) {
  if (endpoint.host.empty()) return Status::Error("no host to connect to");
  if (endpoint.port <= 0 || endpoint.port > 65535) {
    return Status::Error("invalid port " + std::to_string(endpoint.port) + " for " + Printable(endpoint.host));
  }
  Peer peer;
  peer.where = HostPort(Printable(endpoint.host), endpoint.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (IsIpLiteral(endpoint.host) ? AI_NUMERICHOST : 0);
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(endpoint.host.c_str(), std::to_string(endpoint.port).c_str(), &hints, &found);
  if (rc != 0) return Status::Error("cannot resolve " + Printable(endpoint.host) + ": " + gai_strerror(rc));
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_addrlen > sizeof(sockaddr_storage)) continue;
    sockaddr_storage address{};
    std::memcpy(&address, a->ai_addr, a->ai_addrlen);
    peer.addresses.emplace_back(address, a->ai_addrlen);
  }
  freeaddrinfo(found);
  if (peer.addresses.empty()) return Status::Error("cannot resolve " + Printable(endpoint.host) + ": no address");
  return peer;
}

// Runs the handshakes until each is done or failed, or the deadline passes.
void RunAll(std::vector<std::unique_ptr<Handshake>>& handshakes, const Peer& peer, MonoTime deadline) {
  for (auto& h : handshakes) Connect(*h, peer);
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<Handshake*> owners;
    for (auto& h : handshakes) {
      if (h->state == Handshake::State::kConnecting) {
        fds.push_back({h->socket.get(), POLLOUT, 0});
      } else if (h->state == Handshake::State::kHandshaking) {
        fds.push_back({h->socket.get(), static_cast<short>(POLLIN | (h->pending.empty() ? 0 : POLLOUT)), 0});
      } else {
        continue;
      }
      owners.push_back(h.get());
    }
    if (fds.empty()) return;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    const int ready = poll(fds.data(), fds.size(), static_cast<int>(std::min<std::int64_t>(left.count(), 60'000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      const std::string error = "cannot wait for " + peer.where + ": " + ErrnoText(errno);
      for (Handshake* h : owners) Fail(*h, error);
      return;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      Handshake& h = *owners[i];
      const short events = fds[i].revents;
      if (events == 0) continue;
      if (h.state == Handshake::State::kConnecting) {
        ConnectDone(h, peer);
        continue;
      }
      if ((events & POLLOUT) != 0 && !Flush(h, peer)) continue;
      if ((events & (POLLIN | POLLERR | POLLHUP)) != 0) Receive(h, peer);
    }
  }
}

TlsFacts FactsOf(const Handshake& h, const std::string& name) {
  TlsFacts facts;
  SSL* ssl = h.ssl.get();
  facts.protocol = SSL_get_version(ssl);
  facts.verified_name = name;
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
    facts.chain_length = sk_X509_num(chain);
    for (int i = 0; i < facts.chain_length; ++i) {
      X509* cert = sk_X509_value(chain, i);
      const std::int64_t not_after = UnixSeconds(X509_get0_notAfter(cert));
      if (i == 0 || not_after < facts.earliest_not_after) {
        facts.earliest_not_after = not_after;
        facts.earliest_subject = NameText(X509_get_subject_name(cert));
      }
    }
  }
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) {
    facts.problem = TrustProblem::kOther;
    facts.trust_detail = "the server presented no certificate";
    return facts;
  }
  facts.leaf_not_after = UnixSeconds(X509_get0_notAfter(leaf));
  facts.leaf_subject = NameText(X509_get_subject_name(leaf));
  std::vector<std::string> parts;
  for (const VerifyProblem& p : h.problems) {
    if (facts.problem == TrustProblem::kNone) facts.problem = KindOf(p.code);
    std::string part = Describe(p, name, now);
    if (std::find(parts.begin(), parts.end(), part) == parts.end()) parts.push_back(std::move(part));
  }
  const long result = SSL_get_verify_result(ssl);
  if (parts.empty() && result != X509_V_OK) {
    facts.problem = KindOf(static_cast<int>(result));
    parts.push_back(std::string("the chain does not verify: ") + X509_verify_cert_error_string(result));
  }
  for (std::size_t i = 0; i < parts.size(); ++i) facts.trust_detail += (i == 0 ? "" : "; ") + parts[i];
  return facts;
}

}  // namespace

StatusOr<TlsFacts> InspectTls(const TlsEndpoint& endpoint) {
  StatusOr<Peer> peer = Resolve(endpoint);
  if (!peer.ok()) return peer.status();
  const std::string name = endpoint.server_name.empty() ? endpoint.host : endpoint.server_name;

  struct Plan {
    const char* version;
    int pinned;
  };
  const Plan plans[] = {{"", 0}, {"TLSv1", TLS1_VERSION}, {"TLSv1.1", TLS1_1_VERSION}};
  StatusOr<StorePtr> trusted = TrustStore(endpoint);
  if (!trusted.ok()) return trusted.status();
  std::vector<SslCtxPtr> contexts;
  std::vector<std::unique_ptr<Handshake>> handshakes;
  for (const Plan& plan : plans) {
    StatusOr<SslCtxPtr> ctx = MakeContext(trusted->get(), plan.pinned);
    if (!ctx.ok()) return ctx.status();
    auto h = std::make_unique<Handshake>();
    h->version = plan.version;
    if (Status s = SetUp(*h, ctx->get(), name); !s.ok()) return s;
    contexts.push_back(std::move(*ctx));
    handshakes.push_back(std::move(h));
  }

  RunAll(handshakes, *peer, std::chrono::steady_clock::now() + endpoint.timeout);

  const Handshake& main = *handshakes[0];
  const Handshake* best = main.state == Handshake::State::kDone ? &main : nullptr;
  std::vector<std::string> accepted, unanswered;
  for (std::size_t i = 1; i < handshakes.size(); ++i) {
    const Handshake& legacy = *handshakes[i];
    if (legacy.state == Handshake::State::kDone && SSL_version(legacy.ssl.get()) == plans[i].pinned) {
      accepted.push_back(legacy.version);
      if (best == nullptr || best != &main) best = &legacy;  // the later plan is the newer version
    } else if (legacy.state == Handshake::State::kConnecting || legacy.state == Handshake::State::kHandshaking) {
      unanswered.push_back(legacy.version);
    }
  }
  if (best == nullptr) {
    switch (main.state) {
      case Handshake::State::kConnecting:
        return Status::Error("connecting to " + peer->where + " timed out after " + FormatDuration(endpoint.timeout));
      case Handshake::State::kHandshaking:
        return Status::Error("TLS handshake with " + peer->where + " timed out after " +
                             FormatDuration(endpoint.timeout));
      default:
        return Status::Error(main.error);
    }
  }
  TlsFacts facts = FactsOf(*best, name);
  facts.legacy_accepted = std::move(accepted);
  facts.legacy_unanswered = std::move(unanswered);
  return facts;
}

std::string FormatDate(std::int64_t unix_seconds) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_seconds{seconds{unix_seconds}});
  const year_month_day ymd{day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string DescribeSpan(std::int64_t seconds) {
  if (seconds < 0) seconds = -seconds;
  auto count = [](std::int64_t n, const char* unit) {
    return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
  };
  constexpr std::int64_t kHour = 3600, kDay = 24 * kHour;
  if (seconds < 60) return "less than a minute";
  if (seconds < kHour) return count(seconds / 60, "minute");
  if (seconds < 2 * kDay) return count(seconds / kHour, "hour");
  if (seconds < 30 * kDay) {
    const std::int64_t hours = seconds % kDay / kHour;
    return count(seconds / kDay, "day") + (hours == 0 ? "" : " " + count(hours, "hour"));
  }
  if (seconds < 365 * kDay) return count(seconds / kDay, "day");
  return count(seconds / (365 * kDay), "year");
}

}  // namespace probity
