#!/usr/bin/env bash
# Builds MongoDB's realm-cli 2.6.2 so that guestpass's tests can drive a real client.
# Usage: tests/realm-cli/build.sh [BUILD_DIR]   (or REALM_CLI_BUILD_DIR=...; default build/realm-cli)
# Prints the binary's path as its last line. See README.md beside this file for why.
set -euo pipefail

VERSION=2.6.2
# The npm registry's sha512 of mongodb-realm-cli-2.6.2.tgz: the source we build is exactly that.
INTEGRITY='sha512-ebWvPDBL+2oxtaLvDpQ7eQVX8OXfpAjl81tCwinraGiNT7R+0BH1zUMtpl0dOMYTJXF9nt9dclBjxIJHvbkl+A=='
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD_DIR=$(realpath -m "${1:-${REALM_CLI_BUILD_DIR:-$REPO/build/realm-cli}}")
BIN=$BUILD_DIR/bin/realm-cli

# Nothing may land in the git work tree: inside the repo, only the ignored build dirs will do.
case "$BUILD_DIR/" in
  "$REPO"/build/?*|"$REPO"/build-*/?*) ;;
  "$REPO"/*) echo "build.sh: $BUILD_DIR is in the work tree; use a dir under $REPO/build/" >&2; exit 2 ;;
esac

# Up to date: the binary is newer than this script and every stub.
if [[ -x $BIN ]] && [[ -z $(find "$HERE/build.sh" "$HERE/stubs" -newer "$BIN" -print -quit) ]]; then
  echo "$BIN"; exit 0
fi

# Debian's Go 1.19 and Debian's packages of realm-cli's imports (the only registries reachable
# here are Debian's and npm: no Go module proxy). Install only what is missing.
PKGS=(golang-go
  golang-github-alecaivazis-survey-dev golang-mongodb-mongo-driver-dev golang-github-spf13-pflag-dev
  golang-github-spf13-cobra-dev golang-github-mitchellh-go-homedir-dev golang-github-fatih-color-dev
  golang-gopkg-yaml.v2-dev golang-github-spf13-viper-dev golang-github-spf13-afero-dev
  golang-github-iancoleman-orderedmap-dev golang-github-briandowns-spinner-dev golang-github-blang-semver-dev)
command -v npm >/dev/null || PKGS+=(npm)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || { echo "build.sh: run as root to install: ${missing[*]}" >&2; exit 1; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The npm package ships the CLI's whole Go source. Its install script would download a prebuilt
# binary from a host this machine cannot reach, hence --ignore-scripts.
NPM_DIR=$BUILD_DIR/npm
rm -rf "$NPM_DIR" "$BUILD_DIR/gopath"
mkdir -p "$NPM_DIR" "$BUILD_DIR/bin"
echo '{"private": true}' >"$NPM_DIR/package.json"
NPM_CONFIG_UPDATE_NOTIFIER=false npm install --prefix "$NPM_DIR" --ignore-scripts --no-audit \
  --no-fund --loglevel=error "mongodb-realm-cli@$VERSION" >/dev/null
grep -qF "\"integrity\": \"$INTEGRITY\"" "$NPM_DIR/package-lock.json" ||
  { echo "build.sh: mongodb-realm-cli@$VERSION integrity differs from $INTEGRITY" >&2; exit 1; }

# GOPATH mode (Debian's Go libraries are GOPATH source trees in /usr/share/gocode): realm-cli at its
# import path, plus our stand-ins for the three imports that Debian does not package.
GOPATH_DIR=$BUILD_DIR/gopath
SRC=$GOPATH_DIR/src/github.com/10gen/realm-cli
mkdir -p "$(dirname "$SRC")"
cp -a "$NPM_DIR/node_modules/mongodb-realm-cli" "$SRC"
cp -a "$HERE/stubs/." "$GOPATH_DIR/src/"

# The once-a-day version check asks an outside host: the tests must not. Drop the call.
F=$SRC/internal/cli/command_factory.go
sed -i 's|^\(\s*\)factory\.checkForNewVersion(http\.DefaultClient)$|\1// guestpass build.sh: version check removed (it calls an outside host)|' "$F"
if grep -q 'checkForNewVersion(http' "$F" || ! grep -q 'guestpass build.sh' "$F"; then
  echo "build.sh: could not disable the version check in $F" >&2; exit 1
fi

# Light build (2 shared cores): one job, one thread. CGO off gives a static binary needing no gcc;
# -trimpath and -buildvcs=false keep build paths and the repo's git state out of the binary.
cd "$SRC"
env GO111MODULE=off GOPATH="$GOPATH_DIR:/usr/share/gocode" GOCACHE="$BUILD_DIR/go-cache" GOFLAGS= \
  CGO_ENABLED=0 GOMAXPROCS=1 go build -p 1 -trimpath -buildvcs=false \
  -ldflags "-X github.com/10gen/realm-cli/internal/cli.Version=$VERSION" -o "$BIN.tmp" .
mv "$BIN.tmp" "$BIN" # only a complete build counts as up to date
echo "$BIN"
