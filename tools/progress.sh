# tools/progress.sh — sourced by tools/setup, tools/test, tools/demo and tools/fuzz: progress for
# the long steps of a fresh machine's set-up and build, so a user never watches minutes of silence.
#
#   ninja_progress LABEL -C DIR [TARGETS...]  runs ninja; prints what it says besides its
#       "[done/total] ..." lines, and one "LABEL: done/total (p%), N s" line per 10 % or per 20 s;
#       returns ninja's exit status.
#   with_heartbeat LABEL CMD...  runs CMD (its output as CMD leaves it) and prints
#       "LABEL: still running, N s" on stderr every 20 s until it ends; returns CMD's status.

ninja_progress() {
  local label=$1; shift
  local t0=$SECONDS
  set +e
  ninja "$@" 2>&1 | awk -v label="$label" -v t0="$t0" '
    function now() { return systime() }
    BEGIN { start = now(); last = start; step = -1 }
    /^\[[0-9]+\/[0-9]+\]/ {
      split(substr($1, 2, length($1) - 2), a, "/"); done = a[1]; total = a[2]
      p = int(done * 10 / total)
      if (p > step || now() - last >= 20 || done == total) {
        printf "%s: %d/%d (%d%%), %d s\n", label, done, total, int(done * 100 / total), now() - start
        fflush(); step = p; last = now()
      }
      next
    }
    { print; fflush() }'
  local rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}

with_heartbeat() {
  local label=$1; shift
  local t0=$SECONDS
  "$@" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 1 20); do
      sleep 1
      kill -0 "$pid" 2>/dev/null || break
    done
    kill -0 "$pid" 2>/dev/null && echo "$label: still running, $((SECONDS - t0)) s" >&2
  done
  wait "$pid"
}
