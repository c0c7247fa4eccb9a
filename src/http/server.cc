// server.cc: listener, connection coroutine, timeouts and graceful stop.
#include "http/server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "log/logger.h"
#include "log/sampler.h"

namespace guestpass::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Server::Connection {
  // kIdle: waiting for the first byte of a request (closed at once on stop);
  // kReading: a request is arriving (given its read deadline even on stop).
  enum class Phase { kIdle, kReading, kHandling, kWriting };
  explicit Connection(tcp::socket s) : socket(std::move(s)) {
    boost::system::error_code ec;
    auto endpoint = socket.remote_endpoint(ec);
    if (!ec) peer = endpoint.address();
  }
  tcp::socket socket;
  boost::asio::ip::address peer;
  Phase phase = Phase::kIdle;
  Clock::time_point deadline;
};

struct Server::Worker {
  explicit Worker(std::atomic<size_t>& open) : open_connections(open) {}
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer sweep{ioc};
  std::unique_ptr<asio::signal_set> signals;    // worker 0 only, when handling signals
  std::unordered_set<Connection*> connections;  // only touched on this worker's thread
  bool stopping = false;                        // only touched on this worker's thread
  std::atomic<size_t>& open_connections;        // the server's, shared by its workers
  std::thread thread;
};

namespace {
void CloseQuietly(tcp::socket& s) {
  boost::system::error_code ec;
  s.shutdown(tcp::socket::shutdown_both, ec);
  s.close(ec);
}
}  // namespace

Server::Server(ServerOptions options, Api& api) : options_(std::move(options)), api_(api) {
  if (options_.threads < 1) options_.threads = 1;
  if (options_.max_connections < 1) options_.max_connections = 1;
  for (int i = 0; i < options_.threads; ++i) workers_.push_back(std::make_unique<Worker>(open_connections_));
}

Server::~Server() = default;

core::Status Server::Listen() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec)
    return core::Status::InvalidArgument(core::ErrorCode::kInvalidParameter,
                                         "invalid listen address '" + options_.host + "'");
  uint16_t port = options_.port;
  for (auto& w : workers_) {
    tcp::endpoint endpoint(address, port);
    w->acceptor.open(endpoint.protocol(), ec);
    if (!ec) w->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      if (::setsockopt(w->acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
        ec.assign(errno, boost::system::system_category());
    }
    if (!ec) w->acceptor.bind(endpoint, ec);
    if (!ec) w->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return core::Status::Unavailable("cannot listen on " + options_.host + ":" + std::to_string(port) + ": " +
                                       ec.message());
    }
    port = w->acceptor.local_endpoint().port();  // the others share the chosen port
  }
  port_ = port;
  return core::Status::Ok();
}

void ApplyRequestLimits(bhttp::request_parser<bhttp::string_body>& parser, size_t body_limit) {
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(body_limit);
}

std::optional<core::Status> ReadFailureStatus(const boost::system::error_code& ec, size_t body_limit) {
  if (ec == bhttp::error::body_limit)
    return core::Status::Make(core::Code::kPayloadTooLarge, core::ErrorCode::kBadRequest,
                              "request body is larger than " + std::to_string(body_limit) + " bytes");
  if (ec == bhttp::error::header_limit)
    return core::Status::InvalidArgument(core::ErrorCode::kBadRequest, "request header is too large");
  if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
      ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message)
    return core::Status::InvalidArgument(core::ErrorCode::kBadRequest, "malformed HTTP request: " + ec.message());
  return std::nullopt;  // closed, reset or timed out
}

namespace {

// Bytes asked of the socket for a request's start: more than a client API
// request's headers and body usually take.
constexpr size_t kReadChunk = 4096;
// A connection keeps its response buffer between requests up to this size.
constexpr size_t kMaxKeptWire = 64 * 1024;

// After answering a request it could not read whole (413, a head too large,
// malformed HTTP), the server half-closes and reads and drops what the
// client still sends, for up to kLinger or kMaxDrained bytes, before it
// closes: closing with input unread makes the kernel reset the connection,
// and the reset can discard the answer before the client has read it
// (RFC 9112 section 9.6; nginx's lingering close).
asio::awaitable<void> DrainBeforeClose(Server::Connection& conn) {
  constexpr std::chrono::seconds kLinger{2};
  constexpr size_t kMaxDrained = 8 * 1024 * 1024;
  boost::system::error_code ec;
  conn.socket.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  conn.deadline = Clock::now() + kLinger;  // the sweep closes the socket then, ending the read
  std::array<char, 16 * 1024> sink;
  size_t drained = 0;
  while (drained < kMaxDrained) {
    const size_t n =
        co_await conn.socket.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;  // the client closed (EOF), reset, or the sweep closed it
    drained += n;
  }
}

asio::awaitable<void> ServeConnection(std::unique_ptr<Server::Connection> owned, Server::Worker& worker, Api& api,
                                      const ServerOptions& options) {
  Server::Connection* conn = owned.get();
  worker.connections.insert(conn);
  struct Unregister {
    Server::Worker& w;
    Server::Connection* c;
    ~Unregister() {
      w.connections.erase(c);
      w.open_connections.fetch_sub(1, std::memory_order_relaxed);
    }
  } unregister{worker, conn};

  boost::beast::flat_buffer buffer;
  std::string wire;  // the response's bytes, reused across the connection's requests
  boost::system::error_code ec;
  for (;;) {
    if (worker.stopping) break;
    bhttp::request_parser<bhttp::string_body> parser;
    // The head is read under the largest body limit of any route (Beast
    // checks Content-Length against it there), the body under its route's.
    ApplyRequestLimits(parser, api.LargestBodyLimit());
    size_t body_limit = kMaxBodyBytes;
    conn->deadline = Clock::now() + options.read_timeout;
    if (buffer.size() == 0) {
      // Wait for the request's first bytes in phase kIdle, so a graceful stop
      // can tell idle keep-alive connections from arriving requests. A plain
      // read, not async_wait: Asio re-arms epoll (epoll_ctl) for every wait,
      // one system call per request more than a read needs.
      conn->phase = Server::Connection::Phase::kIdle;
      const size_t n = co_await conn->socket.async_read_some(buffer.prepare(kReadChunk),
                                                             asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;  // closed, reset, timed out, or closed by a stop while idle
      buffer.commit(n);
    }
    conn->phase = Server::Connection::Phase::kReading;
    co_await bhttp::async_read_header(conn->socket, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (parser.is_header_done()) body_limit = api.BodyLimit(parser.get().method(), Sv(parser.get().target()));
    if (!ec) {
      if (parser.content_length().value_or(0) > body_limit) {
        ec = bhttp::error::body_limit;  // refused before a byte of it is read
      } else if (!parser.is_done()) {
        parser.body_limit(body_limit);  // a chunked body is held to it chunk by chunk
        co_await bhttp::async_read(conn->socket, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      }
    }
    Response res;
    bool keep_alive = false;
    const bool read_whole = !ec;
    if (ec) {
      auto failure = ReadFailureStatus(ec, body_limit);
      if (!failure) break;  // closed, reset or timed out
      res = api.Reject(parser.get(), *failure);
    } else {
      conn->phase = Server::Connection::Phase::kHandling;
      res = co_await api.Handle(parser.release(), conn->peer);
      keep_alive = res.keep_alive() && !worker.stopping;
    }
    res.keep_alive(keep_alive);
    if (res.result() == bhttp::status::no_content) {
      res.body().clear();  // RFC 9110: a 204 carries no Content-Length
    } else {
      res.prepare_payload();
    }
    conn->phase = Server::Connection::Phase::kWriting;
    conn->deadline = Clock::now() + options.write_timeout;
    wire.clear();
    AppendWire(res, wire);
    co_await asio::async_write(conn->socket, asio::buffer(wire), asio::redirect_error(asio::use_awaitable, ec));
    if (wire.capacity() > kMaxKeptWire) std::string().swap(wire);
    if (!ec && !read_whole) co_await DrainBeforeClose(*conn);
    if (ec || !keep_alive) break;
  }
  CloseQuietly(conn->socket);
}

asio::awaitable<void> AcceptLoop(Server::Worker& worker, Api& api, const ServerOptions& options) {
  constexpr std::chrono::milliseconds kFirstBackoff{10}, kMaxBackoff{1000};
  std::chrono::milliseconds backoff = kFirstBackoff;
  asio::steady_timer pause(worker.ioc);
  log::Sampler accept_failed, over_limit;  // a line per 10 s at most, with a count
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket(worker.ioc);
    co_await worker.acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !worker.acceptor.is_open()) co_return;
      // EMFILE, ENFILE, ENOBUFS...: the connection waits in the backlog, so
      // accepting again at once would fail at once (a busy loop). Wait.
      if (int64_t n = accept_failed.Tick())
        log::Warn("accept failed: waiting before accepting again", {{"error", ec.message()}, {"times", std::to_string(n)}});
      pause.expires_after(backoff);
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      backoff = std::min(backoff * 2, kMaxBackoff);
      continue;
    }
    backoff = kFirstBackoff;
    if (worker.open_connections.fetch_add(1, std::memory_order_relaxed) >= options.max_connections) {
      worker.open_connections.fetch_sub(1, std::memory_order_relaxed);
      if (int64_t n = over_limit.Tick())
        log::Warn("connection refused: the server has --max-connections open",
                  {{"max_connections", std::to_string(options.max_connections)}, {"times", std::to_string(n)}});
      // Reset at once (SO_LINGER 0): no TIME_WAIT, nothing read or written.
      socket.set_option(asio::socket_base::linger(true, 0), ec);
      socket.close(ec);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_unique<Server::Connection>(std::move(socket));
    asio::co_spawn(worker.ioc, ServeConnection(std::move(conn), worker, api, options), asio::detached);
  }
}

void ArmSweep(Server::Worker& worker) {
  worker.sweep.expires_after(std::chrono::seconds(1));
  worker.sweep.async_wait([&worker](boost::system::error_code ec) {
    if (ec || worker.stopping) return;
    const auto now = Clock::now();
    for (Server::Connection* c : worker.connections) {
      if (c->phase != Server::Connection::Phase::kHandling && c->deadline < now) CloseQuietly(c->socket);
    }
    ArmSweep(worker);
  });
}

}  // namespace

void Server::Run(bool handle_signals) {
  for (auto& w : workers_) {
    asio::co_spawn(w->ioc, AcceptLoop(*w, api_, options_), asio::detached);
    ArmSweep(*w);
  }
  if (handle_signals) {
    workers_[0]->signals = std::make_unique<asio::signal_set>(workers_[0]->ioc, SIGINT, SIGTERM);
    workers_[0]->signals->async_wait([this](boost::system::error_code ec, int signo) {
      if (ec) return;
      log::Info("stopping on signal", {{"signal", signo == SIGINT ? "SIGINT" : "SIGTERM"}});
      Stop();
    });
  }
  for (size_t i = 1; i < workers_.size(); ++i) {
    Worker* w = workers_[i].get();
    w->thread = std::thread([w] { w->ioc.run(); });
  }
  workers_[0]->ioc.run();
  for (size_t i = 1; i < workers_.size(); ++i) workers_[i]->thread.join();
}

void Server::Stop() {
  for (auto& w : workers_) {
    Worker* worker = w.get();
    asio::post(worker->ioc, [worker] {
      if (worker->stopping) return;
      worker->stopping = true;
      boost::system::error_code ec;
      worker->acceptor.close(ec);
      worker->sweep.cancel();
      if (worker->signals) worker->signals->cancel(ec);
      // Idle connections close now; a request that is arriving or being
      // handled is read (within its deadline), answered with
      // Connection: close, and then its connection closes.
      for (Connection* c : worker->connections) {
        if (c->phase == Connection::Phase::kIdle) CloseQuietly(c->socket);
      }
    });
  }
}

}  // namespace guestpass::http
