#!/usr/bin/env bash
# start.sh: the README's first command. Installs the build dependencies,
# builds, and runs `guestpass serve` on the embedded SQLite store in
# ./guestpass-data. It prints the URL and each app's client app id.
# Stop it with Ctrl-C (SIGINT) or SIGTERM: requests in flight are answered first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DGUESTPASS_BUILD_TESTS=OFF
cat <<'TXT'
-----------------------------------------------------------------------------
guestpass is starting (data in ./guestpass-data, config: docs/configuration.md).
Log in anonymously (replace URL and APP_ID with the lines printed below):
  curl -X POST URL/api/client/v2.0/app/APP_ID/auth/providers/anon-user/login
Or point a Realm SDK at it: new Realm.App({ id: APP_ID, baseUrl: URL }).
Admin API (docs/admin-api.md) at URL/api/admin/v3.0: the first start creates
the admin user "admin" and prints its generated password once (or set it first
with GUESTPASS_ADMIN_PASSWORD=...). Log in as admin:
  curl -X POST -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"PASSWORD"}' \
    URL/api/admin/v3.0/auth/providers/local-userpass/login
Web UI: URL/ (the "guestpass web ui" line below) — sign in as admin with the password
printed below at the first start (docs/ui.md).
Apps can also come from app directories (--app-dir).
-----------------------------------------------------------------------------
TXT
exec ./build/guestpass serve --data-dir ./guestpass-data "$@"
