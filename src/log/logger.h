// logger.h: structured log lines (key=value) on stderr, at four levels.
// core/ and auth/ never log; the HTTP edge and the composition root do.
// Thread-safe. Never pass secrets (tokens, passwords, keys) as fields.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace guestpass::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug", "info", "warn", "error". Returns false if unknown.
bool ParseLevel(std::string_view text, Level* out);
void SetLevel(Level level);
bool Enabled(Level level);

using Field = std::pair<std::string_view, std::string_view>;

// Writes: ts=2026-11-22T21:30:15.123Z level=info msg="..." key=value ...
void Write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void Debug(std::string_view m, std::initializer_list<Field> f = {}) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, m, f);
}
inline void Info(std::string_view m, std::initializer_list<Field> f = {}) {
  if (Enabled(Level::kInfo)) Write(Level::kInfo, m, f);
}
inline void Warn(std::string_view m, std::initializer_list<Field> f = {}) {
  if (Enabled(Level::kWarn)) Write(Level::kWarn, m, f);
}
inline void Error(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kError, m, f); }

}  // namespace guestpass::log
