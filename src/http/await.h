// await.h: adapts the callback style of auth/ and store/ to C++20
// coroutines on the calling coroutine's executor.
#pragma once

#include <utility>  // before Boost 1.74 awaitable.hpp, which needs std::exchange

#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

#include "core/status.h"

namespace guestpass::http {

namespace detail {
// What an awaited call keeps until its callback has run.
template <typename Handler, typename Executor>
struct AwaitState {
  AwaitState(Handler h, const Executor& executor) : on_done(std::move(h)), work(executor) {}
  Handler on_done;
  boost::asio::executor_work_guard<Executor> work;
};
}  // namespace detail

// co_await Await<T>([&](auto done) { service.Op(args, done); }) suspends
// until `done(Result<T>)` is called (on any thread) and resumes on this
// coroutine's executor.
template <typename T, typename Start>
boost::asio::awaitable<core::Result<T>> Await(Start start) {
  namespace asio = boost::asio;
  auto executor = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>, void(core::Result<T>)>(
      [executor, &start](auto handler) {
        // One allocation holds the handler and the work guard; the callback
        // then captures a single shared_ptr, small enough for std::function
        // to store without allocating.
        using State = detail::AwaitState<decltype(handler), decltype(executor)>;
        auto state = std::make_shared<State>(std::move(handler), executor);
        start([state](core::Result<T> result) {
          auto target = state->work.get_executor();
          asio::post(target, [state, result = std::move(result)]() mutable {
            state->on_done(std::move(result));
            state->work.reset();
          });
        });
      },
      asio::use_awaitable);
}

}  // namespace guestpass::http
