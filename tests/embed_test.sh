#!/usr/bin/env bash
# Embedding: the example strategy (examples/strategy) built against acctsync the two ways a firm
# would — find_package on an installed tree (`cmake --install`), and add_subdirectory on the
# source — then run against acctsync-sim on loopback until its book is in sync.
# Usage: tests/embed_test.sh BUILD_DIR SOURCE_DIR CA_DIR install|subdirectory
set -euo pipefail
build=$1 src=$2 ca=$3 mode=$4
work=$(mktemp -d "${TMPDIR:-/tmp}/acctsync-embed.XXXXXX")
sim_pid=
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
if [ "$mode" = install ]; then
  cmake --install "$build" --prefix "$work/prefix" >/dev/null
  test -f "$work/prefix/lib/cmake/acctsync/acctsyncConfig.cmake"
  test -f "$work/prefix/include/acctsync/net/feed.hpp"
  cmake -S "$src/examples/strategy" -B "$work/app" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$work/prefix" "${launcher[@]}" >/dev/null
else
  # The same wolfSSL the build under test used.
  wolfssl=$(sed -n 's/^ACCTSYNC_WOLFSSL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
  cmake -S "$src/examples/strategy" -B "$work/app" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DACCTSYNC_SOURCE="$src" -DACCTSYNC_WOLFSSL_PREFIX="$wolfssl" "${launcher[@]}" >/dev/null
  # Embedded, acctsync builds its libraries only: no tests, benchmarks or tools.
  if grep -q 'acctsync-sim\|decimal_test' "$work/app/build.ninja"; then echo "embed: tools or tests built" >&2; exit 1; fi
fi
ninja -C "$work/app" strategy >/dev/null

key=embedtestkey0123456789embedtestkey0123456789embedtestkey01234567
secret=embedtestsecret0123456789embedtestsecret0123456789embedtestsec
: >"$work/sim.log"
"$build/acctsync-sim" --listen 127.0.0.1:0 --rate 100 --duration 60 --api-key "$key" --api-secret "$secret" \
  --cert "$ca/server.pem" --key "$ca/server.key" >>"$work/sim.log" 2>&1 &
sim_pid=$!
port=
for _ in $(seq 1 100); do # bounded: 10 s
  port=$(sed -n 's/.*listening on https:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/sim.log" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "embed: the simulator did not start" >&2; cat "$work/sim.log" >&2; exit 1; }

BINANCE_API_KEY=$key BINANCE_API_SECRET=$secret "$work/app/strategy" --seconds 3 \
  --rest-url "https://localhost:$port" --ws-url "wss://localhost:$port" --ca-file "$ca/ca.pem" --connect-to 127.0.0.1 \
  >"$work/out.log" 2>&1 || { echo "embed: strategy failed" >&2; tail -5 "$work/out.log" >&2; exit 1; }
grep -q '^book {"balances":' "$work/out.log" || { echo "embed: no book printed" >&2; tail -5 "$work/out.log" >&2; exit 1; }
grep -q 'in sync yes' "$work/out.log"
echo "embed ($mode): $(grep -c '^book ' "$work/out.log") book changes printed; $(tail -1 "$work/out.log")"
