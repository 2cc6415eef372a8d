#pragma once

#include <openssl/ssl.h>

#include <memory>

namespace probity::testing {

// A server-side TLS context with a fresh self-signed certificate for
// "localhost" (P-256), made in memory: nothing to keep on disk.
std::shared_ptr<SSL_CTX> SelfSignedServerContext();

// A TLS session over an accepted socket of a RawServer behaviour; null when
// the handshake fails. SSL_read/SSL_write on it as on the socket.
std::shared_ptr<SSL> AcceptTls(SSL_CTX* ctx, int fd);

}  // namespace probity::testing
