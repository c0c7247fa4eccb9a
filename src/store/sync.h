// sync.h: blocking wrappers over the asynchronous Store, for start-up code,
// command-line tools and tests. Never call these on a server I/O thread.
#pragma once

#include <future>

#include "store/store.h"

namespace guestpass::store {

// Runs `start(callback)` and waits for the callback's Result<T>.
template <typename T, typename Start>
core::Result<T> Await(Start&& start) {
  auto promise = std::make_shared<std::promise<core::Result<T>>>();
  auto future = promise->get_future();
  start([promise](core::Result<T> r) { promise->set_value(std::move(r)); });
  return future.get();
}

template <typename Start>
core::Status AwaitStatus(Start&& start) {
  auto promise = std::make_shared<std::promise<core::Status>>();
  auto future = promise->get_future();
  start([promise](core::Status s) { promise->set_value(std::move(s)); });
  return future.get();
}

}  // namespace guestpass::store
