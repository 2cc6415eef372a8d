#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <csignal>

int main(int argc, char* argv[]) {
  // As probity's own main does: a peer that goes away is an error to
  // handle, not a signal that ends the process (OpenSSL writes with write()).
  std::signal(SIGPIPE, SIG_IGN);
  return Catch::Session().run(argc, argv);
}
