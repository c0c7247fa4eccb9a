// json_text.h: appending JSON string literals by hand, for hot paths that
// build small JSON documents (token payloads) without a DOM.
#pragma once

#include <string>
#include <string_view>

namespace guestpass::core {

// Appends `value` as a quoted, escaped JSON string.
void AppendJsonString(std::string& out, std::string_view value);

}  // namespace guestpass::core
