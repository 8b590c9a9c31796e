#!/usr/bin/env bash
# The cost of tracelog (docs/tracelog.md), kiln against firejail, with and without it:
#   - syscalls tracelog does not watch: dd with 1-byte blocks (read, write) and an ioctl loop;
#   - path syscalls it does watch: stat + open + close of a file the sandbox shows, and stat of a
#     blacklisted file (every one a violation, rate-limited);
#   - the launch of `true`, --noprofile and with Debian's default.profile;
#   - the supervisor's memory (smaps_rollup) beside a running sandbox.
# Times: the median wall time and the mean CPU (user + system) of every process a run started, the
# supervisor included (bench/cpu-runs.py adopts and reaps orphans), the commands taken in turn.
# Lines go to a stand-in system log (tests/lib/syslog-sink.py, KILN_SYSLOG_SOCKET), never to /dev/log.
#   bench/tracelog.sh [rounds]      (run it as root and as an unprivileged user)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
kiln=${KILN_BIN:-$PWD/dist/kiln}
for tool in python3 cc dd; do command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 2; }; done
[ -x "$kiln" ] || { echo "bench: $kiln missing; run npm run build" >&2; exit 2; }
out=$(mktemp -d)
chmod 755 "$out"
sink=
cleanup() { [ -n "$sink" ] && kill "$sink" 2>/dev/null; rm -rf "$out"; }
trap cleanup EXIT
# Not under /tmp: Firejail refuses to run executables from there.
mkdir -p bench/results
cc -O2 -o bench/results/ioctl-loop bench/ioctl-loop.c
cc -O2 -o bench/results/path-loop bench/path-loop.c
mkdir -p "$out/secret" && echo secret > "$out/secret/file" && chmod -R a+rX "$out/secret"
python3 tests/lib/syslog-sink.py "$out/log.sock" /dev/null & sink=$!
for _ in $(seq 50); do [ -S "$out/log.sock" ] && break; sleep 0.1; done
export KILN_SYSLOG_SOCKET=$out/log.sock

loops=1000000
paths=20000
dd="dd if=/dev/zero of=/dev/null bs=1 count=$loops status=none"
ioctl="$PWD/bench/results/ioctl-loop $loops"
ok="$PWD/bench/results/path-loop $paths /etc/hostname"
bad="$PWD/bench/results/path-loop $paths $out/secret/file stat"
have_firejail=$(command -v firejail >/dev/null && echo 1 || echo)
[ -n "$have_firejail" ] || echo "bench: firejail is not installed; kiln only" >&2
# Debian's firejail.config turns tracelog off; then Firejail's mechanism (libtracelog.so, which Firejail
# preloads in the sandbox) is measured by itself, preloaded into the program with no sandbox around it.
firejail_tracelog=
if [ -n "$have_firejail" ] && firejail --quiet --noprofile --tracelog true >/dev/null 2>&1; then firejail_tracelog=1; fi
libtracelog=$(ls /usr/lib/*/firejail/libtracelog.so 2>/dev/null | head -1 || true)
[ -n "$firejail_tracelog" ] || echo "bench: firejail's tracelog is disabled in firejail.config; measuring ${libtracelog:-libtracelog.so (not found)} preloaded instead" >&2
debian=/etc/firejail/default.profile

cmds=()
add() { # NAME KILN-ARGS… -- FIREJAIL-ARGS… : PROGRAM
  local name=$1 prog=$2 k=$3 f=$4
  cmds+=(-n "kiln-$name" "$kiln --quiet --noprofile $k $prog" -n "kiln-$name-tracelog" "$kiln --quiet --noprofile --tracelog $k $prog")
  if [ -n "$firejail_tracelog" ]; then
    cmds+=(-n "firejail-$name" "firejail --quiet --noprofile $f $prog" -n "firejail-$name-tracelog" "firejail --quiet --noprofile --tracelog $f $prog")
  elif [ -n "$libtracelog" ] && [ "$prog" != true ]; then
    cmds+=(-n "host-$name" "$prog" -n "host-$name-tracelog" "LD_PRELOAD=$libtracelog $prog")
  fi
}
add dd "$dd" "" ""
add ioctl "$ioctl" "" ""
add path-ok "$ok" "" ""
add path-blacklisted "$bad" "--blacklist=$out/secret" "--blacklist=$out/secret"
add launch true "" ""
if [ -f "$debian" ]; then
  cmds+=(-n kiln-launch-default "$kiln --quiet --profile=$debian true" -n kiln-launch-default-tracelog "$kiln --quiet --profile=$debian --tracelog true")
  [ -n "$firejail_tracelog" ] && cmds+=(-n firejail-launch-default "firejail --quiet --profile=$debian true" -n firejail-launch-default-tracelog "firejail --quiet --profile=$debian --tracelog true")
fi
uptime >&2
python3 bench/cpu-runs.py "$rounds" "$out/cpu.json" "${cmds[@]}"

python3 - "$out/cpu.json" "$loops" "$paths" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
loops, paths = int(sys.argv[2]), int(sys.argv[3])
print(f"{'':<34}{'wall ms':>9}{'CPU ms':>9}")
for n, v in m.items():
    print(f"{n:<34}{v['wall']:>9.1f}{v['user'] + v['system']:>9.1f}")
print()
def extra(base, calls, unit):
    for who in ("kiln", "firejail", "host"):
        a, b = m.get(f"{who}-{base}"), m.get(f"{who}-{base}-tracelog")
        if a and b:
            dw, dc = b["wall"] - a["wall"], (b["user"] + b["system"]) - (a["user"] + a["system"])
            scale = 1e3 / calls if calls else 1
            print(f"{who} tracelog on {base}: +{dw * scale:.2f} {unit} wall, +{dc * scale:.2f} {unit} CPU")
extra("dd", 2 * loops, "µs/call")
extra("ioctl", loops, "µs/call")
extra("path-ok", 2 * paths, "µs/call")
extra("path-blacklisted", paths, "µs/call")
extra("launch", 0, "ms")
extra("launch-default", 0, "ms")
PY

# The supervisor's memory, beside a sandbox that sleeps.
"$kiln" --quiet --noprofile --tracelog sleep 30 & k=$!
for _ in $(seq 100); do s=$(pgrep -P "$k" -f '^/proc/self/exe --kiln-tracelog=3$' || true); [ -n "$s" ] && break; sleep 0.05; done
sleep 0.5
if [ -n "$s" ]; then
  awk '/^(Rss|Pss|Private_Clean|Private_Dirty):/ { v[$1] = $2 } END { printf "supervisor: Rss %d kB, Pss %d kB, private %d kB\n", v["Rss:"], v["Pss:"], v["Private_Clean:"] + v["Private_Dirty:"] }' "/proc/$s/smaps_rollup"
else
  echo "bench: the supervisor was not found" >&2
fi
kill -9 "$k" 2>/dev/null || true
wait "$k" 2>/dev/null || true
