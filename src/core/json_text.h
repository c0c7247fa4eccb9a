// json_text.h: JSON text without a DOM: appending string literals by hand
// (hot paths that build small documents, such as token payloads) and the
// nesting guard every parse of outside JSON passes first.
#pragma once

#include <string>
#include <string_view>

namespace guestpass::core {

// Appends `value` as a quoted, escaped JSON string.
void AppendJsonString(std::string& out, std::string_view value);

// The deepest nesting of arrays and objects guestpass accepts in any JSON it
// parses from outside (request bodies, tokens, fetched documents, app
// configuration). MongoDB itself refuses documents nested deeper than 100;
// no App Services client sends more than a handful of levels. Every JSON walk
// in guestpass (nlohmann's copy and dump, Extended JSON relaxation) recurses,
// so an unbounded depth is a stack overflow waiting for a small request.
inline constexpr int kMaxJsonNesting = 64;

// True if `text`, read as JSON, never nests arrays and objects deeper than
// `max_depth`. A byte scan that understands strings and escapes, nothing
// else: it does not validate the JSON (the parser does that afterwards), it
// only makes sure the parser and every walk after it stay shallow. O(n), no
// allocation, no recursion.
bool JsonNestingWithin(std::string_view text, int max_depth = kMaxJsonNesting);

}  // namespace guestpass::core
