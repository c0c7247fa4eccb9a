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

// co_await Await<T>([&](auto done) { service.Op(args, done); }) suspends
// until `done(Result<T>)` is called (on any thread) and resumes on this
// coroutine's executor.
template <typename T, typename Start>
boost::asio::awaitable<core::Result<T>> Await(Start start) {
  namespace asio = boost::asio;
  auto executor = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>, void(core::Result<T>)>(
      [executor, &start](auto handler) {
        using Handler = decltype(handler);
        auto shared = std::make_shared<Handler>(std::move(handler));
        auto work = std::make_shared<asio::executor_work_guard<decltype(executor)>>(executor);
        start([shared, work](core::Result<T> result) {
          asio::post(work->get_executor(), [shared, work, result = std::move(result)]() mutable {
            (*shared)(std::move(result));
            work->reset();
          });
        });
      },
      asio::use_awaitable);
}

}  // namespace guestpass::http
