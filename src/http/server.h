// server.h: the HTTP/1.1 transport: accepts connections, reads requests,
// hands them to Api, writes responses.
//
// DESIGN: one io_context per thread, each with its own SO_REUSEPORT acceptor
// on the same port; a connection lives on the thread that accepted it, as a
// coroutine on a plain tcp::socket (no strand: one thread per io_context).
// This "lean" transport reaches nginx's request rate where Beast's default
// stream-with-strand is a third slower (shared/notes/performance-facts.md).
// Timeouts: a once-a-second sweep per thread closes connections whose read or
// write passed its deadline. Stop() is graceful: acceptors close, idle
// connections close, requests being handled finish and are answered.
// Bounds: at most `max_connections` open connections (all threads together):
// one more is closed as soon as it is accepted. When accept fails (file
// descriptors exhausted: EMFILE/ENFILE), the thread waits before accepting
// again, longer each time up to a second, and logs once per 10 seconds with
// the count of failures since, instead of spinning and logging each one.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/status.h"
#include "http/api.h"
#include "http/types.h"

namespace guestpass::http {

// The largest request head (request line and headers) the server reads;
// a longer one is answered 400. Bodies: the route's max_body (router.h;
// kMaxBodyBytes unless it says otherwise), else 413.
inline constexpr size_t kMaxHeaderBytes = 16 * 1024;

// Sets the server's limits on a request parser (the transport's, and the
// fuzz target's that stands in for it, fuzz/http_request_fuzzer.cc): the
// head's, and `body_limit` for the body.
void ApplyRequestLimits(bhttp::request_parser<bhttp::string_body>& parser, size_t body_limit = kMaxBodyBytes);

// What the server answers when reading a request failed with `ec`: the
// status to reject it with (413 for a body past `body_limit`, 400 for a
// head past its limit or malformed HTTP), or nullopt when there is no one
// to answer (the peer closed, reset or timed out): the connection just closes.
std::optional<core::Status> ReadFailureStatus(const boost::system::error_code& ec, size_t body_limit = kMaxBodyBytes);

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 9090;  // 0: pick a free port
  int threads = 1;
  std::chrono::seconds read_timeout{30};   // to receive one whole request
  std::chrono::seconds write_timeout{30};  // to send one response
  size_t max_connections = 10'000;          // open connections, all threads together
};

class Server {
 public:
  Server(ServerOptions options, Api& api);
  ~Server();

  // Binds every thread's acceptor. Fails with a readable message.
  core::Status Listen();
  uint16_t port() const { return port_; }
  // Connections open now (all threads).
  size_t open_connections() const { return open_connections_.load(std::memory_order_relaxed); }

  // Serves until Stop() (or SIGINT/SIGTERM when `handle_signals`); then
  // returns once every connection has finished.
  void Run(bool handle_signals);
  // Thread-safe; returns at once.
  void Stop();

 public:
  // Implementation details, defined in server.cc.
  struct Connection;
  struct Worker;

 private:
  ServerOptions options_;
  Api& api_;
  uint16_t port_ = 0;
  std::atomic<size_t> open_connections_{0};
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace guestpass::http
