#!/bin/sh
# The demo on a terminal: script(1) gives it a pseudo-terminal, so it draws its live view in
# place (cursor home + clear, then the screen) instead of status lines; it still ends with the
# comparison against the simulator's truth. Usage: demo_view_test.sh DEMO_BINARY
set -u
out=$(mktemp)
trap 'rm -f "$out"' EXIT
script -qec "$1 --duration 2 --rate 300" /dev/null > "$out"
status=$?
fail() { echo "FAIL: $1"; tail -c 2000 "$out"; exit 1; }
[ "$status" -eq 0 ] || fail "exit status $status"
grep -q "$(printf '\033')\[H$(printf '\033')\[2Jacctsync demo" "$out" || fail "no in-place redraw"
grep -q "^stream: live" "$out" || fail "no stream state line"
grep -q "latency us (sim write -> book applied" "$out" || fail "no latency percentiles"
grep -q "symbol  *side" "$out" || fail "no positions table"
grep -q "^t=1s state=" "$out" && fail "status lines on a terminal"
grep -q "mirror equals the simulator's truth: yes" "$out" || fail "no equal truth at the end"
echo "live view ok"
