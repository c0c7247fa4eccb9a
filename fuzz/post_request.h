// post_request.h: the request the body fuzz targets (json_body, login_body)
// hand to the code under test: a POST whose body is the input and whose
// Content-Type the input's first byte picks, so that the media-type checks
// are fuzzed with the body (most inputs get plain application/json).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "http/types.h"

namespace guestpass::fuzz {

inline http::Request PostRequest(const uint8_t* data, size_t size) {
  using http::bhttp::field;
  http::Request req{http::bhttp::verb::post, "/", 11};
  switch (size == 0 ? 0 : data[0] % 8) {
    case 4: req.set(field::content_type, "Application/JSON; charset=utf-8"); break;
    case 5: req.set(field::content_type, "text/plain"); break;
    case 6: break;  // no Content-Type
    case 7: req.set(field::content_type, "application/json;charset=UTF-8"); break;
    default: req.set(field::content_type, "application/json");
  }
  req.body() = std::string(reinterpret_cast<const char*>(data), size);
  return req;
}

}  // namespace guestpass::fuzz
