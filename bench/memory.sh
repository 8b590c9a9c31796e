#!/usr/bin/env bash
# Resident memory of the sandbox's supervising processes (everything except the program itself):
# kiln's (bwrap's monitor and its pid 1, since kiln execs into bwrap) against firejail's, same program,
# same run. Prints VmRSS in kB per process and the totals.
#   bench/memory.sh            (run as root and as an unprivileged user)
set -euo pipefail
cd "$(dirname "$0")/.."
kiln=${KILN_BIN:-$PWD/dist/kiln}
[ -x "$kiln" ] || { echo "bench: $kiln missing; run npm run build" >&2; exit 2; }

# rss_tree PID EXCLUDE_COMM: VmRSS of PID and its descendants, skipping processes named EXCLUDE_COMM.
rss_tree() {
  local pid=$1 skip=$2 total=0 kids comm rss
  comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
  if [ "$comm" != "$skip" ]; then
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    printf '  %-10s pid %-7s %6s kB\n' "$comm" "$pid" "$rss" >&2
    total=$((total + ${rss:-0}))
  fi
  for kids in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
    total=$((total + $(rss_tree "$kids" "$skip")))
  done
  echo "$total"
}

measure() {
  local label=$1; shift
  "$@" sleep 30 & local pid=$!
  sleep 1.5
  echo "$label:" >&2
  local total; total=$(rss_tree "$pid" sleep)
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  printf '%-10s %6s kB\n' "$label" "$total"
}

measure kiln "$kiln" --quiet --noprofile
measure kiln-dflt "$kiln" --quiet
if command -v firejail >/dev/null; then
  measure firejail firejail --quiet --noprofile
  measure fj-dflt firejail --quiet
fi
