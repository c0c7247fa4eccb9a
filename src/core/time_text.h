// time_text.h: ISO 8601 times as the Admin API writes and reads them
// ("2026-12-03T10:00:00.123Z"), for the logs' `started` and their
// start_date/end_date filters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace guestpass::core {

// UTC with milliseconds: "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string FormatIso8601Ms(int64_t unix_ms);

// "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff...]]" with "Z", "+hh:mm" or
// "-hh:mm" (no zone: UTC), as Unix milliseconds; nullopt for anything else.
std::optional<int64_t> ParseIso8601Ms(std::string_view text);

}  // namespace guestpass::core
