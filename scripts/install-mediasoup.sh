#!/usr/bin/env bash
# Builds mediasoup's C++ worker offline, against Debian's libraries, and caches it outside the
# repository. Why: mediasoup's prebuilt worker and its own build both need the internet; what
# works here is mediasoup 3.12.16 (pinned in package.json) built with Debian's meson after a
# patch to two meson.build files (media/patches/, see ../shared/notes/mediasoup-offline.md),
# plus Beacon's own: consumers forward RFC 4733 telephone-event packets (a phone's DTMF).
# Upgrade path: mediasoup >= 3.13 needs libsrtp 3, libuv >= 1.47, abseil >= 20230802 and
# flatbuffers 23/24, which Debian 12 lacks; move with Node 22 and Debian 13 (the 3.13+ API
# renames listenIps to listenInfos).
# Cache: ${BEACON_CACHE:-~/.cache/beacon}/mediasoup-worker/<version>-<patches hash>-<arch>/
# A worker in node_modules built from other patches (a stamp file beside it tells) is replaced.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[mediasoup] %s\n' "$*" >&2; }

pkg=node_modules/mediasoup
[ -f "$pkg/package.json" ] || { log "node_modules/mediasoup is missing: run scripts/install.sh first"; exit 1; }
version=$(node -p "require('./$pkg/package.json').version")
[ -f "media/patches/mediasoup-$version-system-libs.patch" ] || { log "no patches for mediasoup $version (media/patches/); only 3.12.16 is known to build here"; exit 1; }
patches=(media/patches/mediasoup-"$version"-*.patch)
key="$version-$(cat "${patches[@]}" | sha256sum | cut -c1-12)-$(uname -m)"
cache="${BEACON_CACHE:-$HOME/.cache/beacon}/mediasoup-worker/$key"
target="$pkg/worker/out/Release/mediasoup-worker"
stamp="$target.beacon-key"

usable() { [ -x "$1" ] && ! ldd "$1" 2>/dev/null | grep -q 'not found'; }

if usable "$target" && [ "$(cat "$stamp" 2>/dev/null)" = "$key" ]; then log "worker present ($target)"; exit 0; fi
if usable "$cache/mediasoup-worker"; then
  mkdir -p "$(dirname "$target")" && cp "$cache/mediasoup-worker" "$target" && echo "$key" > "$stamp"
  log "worker restored from cache ($cache)"; exit 0
fi

deps=(meson ninja-build pkg-config g++ make patch libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev)
missing=()
for d in "${deps[@]}"; do dpkg -s "$d" >/dev/null 2>&1 || missing+=("$d"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then log "missing Debian packages: ${missing[*]} (run: sudo apt-get install -y ${missing[*]})"; exit 1; fi
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$pkg/worker" "$work/worker"
for p in "${patches[@]}"; do
  (cd "$work" && patch -p1 --quiet < "$OLDPWD/$p") || { log "patch $p does not apply to mediasoup $version"; exit 1; }
done
log "building mediasoup-worker $version with Debian's libraries (about 5 minutes on 2 cores)"
(cd "$work/worker" && meson setup --buildtype release -Db_ndebug=true --wrap-mode=nodownload out >"$work/setup.log" 2>&1) \
  || { tail -30 "$work/setup.log" >&2; log "meson setup failed"; exit 1; }
(cd "$work/worker" && meson compile -C out mediasoup-worker 2>&1 | awk 'NR % 20 == 0 { print "[mediasoup] " $0; fflush() }' >&2)
built="$work/worker/out/mediasoup-worker"
usable "$built" || { log "build produced no usable worker"; exit 1; }
mkdir -p "$cache" "$(dirname "$target")"
cp "$built" "$cache/mediasoup-worker"
cp "$built" "$target"
echo "$key" > "$stamp"
log "worker built and cached ($cache)"
