// json_text_fuzzer.cc: core::JsonNestingWithin and core::AppendJsonString
// (core/json_text.h) against nlohmann's parser as the oracle.
//  - JsonNestingWithin is the guard before every parse of outside JSON, so
//    for any bytes, valid JSON or not, the parser must never get deeper than
//    the guard allowed; for valid JSON the guard's answer is exact.
//  - AppendJsonString must always write a JSON string in valid UTF-8 that
//    parses back, to the input itself when the input is valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/json_text.h"
#include "fuzz_check.h"

namespace {

using nlohmann::json;

// Follows the parser's nesting: the deepest level it opened before it
// finished or gave up.
class DepthProbe final : public nlohmann::json_sax<json> {
 public:
  int deepest = 0;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return Open(); }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(); }
  bool end_array() override { return Close(); }
  bool key(string_t&) override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  bool Open() {
    if (++depth_ > deepest) deepest = depth_;
    return true;
  }
  bool Close() {
    --depth_;
    return true;
  }
  int depth_ = 0;
};

void CheckNesting(std::string_view text) {
  DepthProbe probe;
  // nlohmann takes a NUL byte for the end of its input ("{}\0[[[" parses as
  // {}), so the guard's exact answer is owed only to texts without one.
  const bool valid = json::sax_parse(text, &probe, json::input_format_t::json, /*strict=*/true) &&
                     text.find('\0') == std::string_view::npos;
  // Small limits find a miscount with short inputs; kMaxJsonNesting is the one in use.
  for (int limit : {0, 1, 2, 3, guestpass::core::kMaxJsonNesting}) {
    const bool within = guestpass::core::JsonNestingWithin(text, limit);
    if (within) FUZZ_CHECK(probe.deepest <= limit, text);
    if (valid) FUZZ_CHECK(within == (probe.deepest <= limit), text);
  }
}

void CheckString(std::string_view value) {
  std::string out = "[";
  guestpass::core::AppendJsonString(out, value);
  out += "]";
  FUZZ_CHECK(guestpass::fuzz::IsStrictUtf8(out), out);
  const json doc = json::parse(out, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(doc.is_array() && doc.size() == 1 && doc[0].is_string(), out);
  if (guestpass::fuzz::IsStrictUtf8(value)) FUZZ_CHECK(doc[0].get_ref<const std::string&>() == value, out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckNesting(input);
  CheckString(input);
  return 0;
}
