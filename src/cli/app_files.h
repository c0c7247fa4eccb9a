// app_files.h: an app directory on the admin CLI's side of `guestpass
// pull`, `push` and `apps diff`: writing a pulled archive's files under a
// directory, the PATCH .../push document a directory makes, and the files
// the server would export after that push (what the diff compares, so that
// guestpass.json's settings are in it too). The configuration itself is
// read by config/app_dir.h, as the server reads it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/app_dir.h"
#include "core/status.h"

namespace guestpass::cli {

// Writes each of `files` (path relative to `dir` -> bytes) under `dir`,
// creating `dir` and the subdirectories it needs; every other file of `dir`
// is left alone. A file that already holds those bytes is not touched; any
// other is written whole to a temporary file beside it and renamed over it.
// InvalidArgument, before anything is written, for a path that is empty,
// absolute, or has an empty, "." or ".." component; Internal naming the file
// for an I/O failure. Returns the paths written (new or changed), in order.
core::Result<std::vector<std::string>> WriteAppFiles(const std::string& dir, const config::AppFiles& files);

// The body of PATCH .../push for an app directory's files (as
// config::ReadAppDir reads them): `app_id`, `name`, `location` and
// `deployment_model` of the root file (those absent are left out, and keep
// the app's), `auth_providers` = the values of auth/providers.json as an
// array ([] without the file, as an app directory without it means no
// providers), and `guestpass` = guestpass.json (left out without the file:
// the app keeps its settings). The files are checked with
// config::ParseAppFiles first; its errors name the files under `where`.
core::Result<nlohmann::json> PushDocument(const config::AppFiles& files, const std::string& where);

// The files the server would export after PushDocument(local) is pushed
// over the app whose export is `remote`: local's name and providers, its
// location and deployment model where it gives them, its settings when it
// has guestpass.json, the remote's otherwise. InvalidArgument when either
// side does not parse, or when local's app_id is not remote's.
core::Result<config::AppFiles> PushedFiles(const config::AppFiles& local, const config::AppFiles& remote,
                                           const std::string& where);

// The unified diffs from `remote` (the app's export) to PushedFiles, one per
// changed file in path order; empty when the push would change nothing.
core::Result<std::vector<std::string>> PushDiffs(const config::AppFiles& local, const config::AppFiles& remote,
                                                 const std::string& where);

}  // namespace guestpass::cli
