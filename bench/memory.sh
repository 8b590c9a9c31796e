#!/usr/bin/env bash
# Memory of a sandbox's supervising processes: kiln's against firejail's, --noprofile and with each one's
# default profile. For each kind, N sandboxes (default 10) run `sleep 1000` at the same time; once every
# sandbox's program runs, each process the launcher started is read from /proc/PID/smaps_rollup (Rss, Pss,
# Private_Clean + Private_Dirty), except the program itself. Then everything is killed and the next kind
# starts, so the N sandboxes of one kind share pages only with each other (and the rest of the machine).
#
# "The sandbox" is the launcher's pid and all its descendants, found by walking the process tree, minus
# the program (by pid: the descendant named like it). Today kiln execs into bwrap, so that is bwrap's
# monitor and bwrap's pid 1; a supervisor above bwrap, or an init stage that stays, is counted the same
# way. A process is named by the path of command names from the launcher down (`bwrap/bwrap`).
#
# Prints, per kind, each process's median over the N sandboxes and the median per-sandbox total, in kB,
# then kiln/firejail of the per-sandbox PSS.
#
#   bench/memory.sh [--as USER] [N]
#
# Run it as root and as an unprivileged user; both matter. An unprivileged caller cannot read a setuid
# process's smaps_rollup: firejail's PSS and private memory then show as `-` (RSS comes from
# /proc/PID/status instead). As root, `--as USER` starts the sandboxes as USER (setpriv, a clean
# environment) and reads them as root, which gives firejail's unprivileged figures too.
set -euo pipefail
cd "$(dirname "$0")/.."
kiln=${KILN_BIN:-$PWD/dist/kiln}
as_user=
if [ "${1:-}" = --as ]; then
  as_user=${2:?--as needs a user name}
  shift 2
  [ "$(id -u)" = 0 ] || { echo "bench: --as needs root" >&2; exit 2; }
fi
count=${1:-10}
program=(sleep 1000)
program_comm=sleep
[ -x "$kiln" ] || { echo "bench: $kiln missing; run npm run build" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench: python3 is not installed" >&2; exit 2; }

# Every command runs as the caller, or with --as, as that user with the environment runuser -u would
# leave a login-less user (setpriv execs, so the launcher keeps the pid we started).
as=()
if [ -n "$as_user" ]; then
  home=$(getent passwd "$as_user" | cut -d: -f6)
  as=(setpriv --reuid="$as_user" --regid="$(id -g "$as_user")" --init-groups --
    env -i HOME="$home" USER="$as_user" LOGNAME="$as_user" PATH=/usr/bin:/bin)
fi

out=$(mktemp -d)
started=() # "pid:starttime" of every process of every running sandbox, to kill on the way out

# start_time PID: field 22 of /proc/PID/stat, empty if the process is gone.
start_time() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  set -- $stat
  echo "${20}"
}

# alive PID: the process exists and is not a zombie.
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat:0:1}" != Z ]
}

# walk PID PATH: "pid path" for PID and each descendant, parents first.
walk() {
  local pid=$1 path=$2 comm kid
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 0
  path=${path:+$path/}$comm
  echo "$pid $path"
  for kid in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do walk "$kid" "$path"; done
}

# program_pid LAUNCHER: the pid of the sandbox's program, once it runs (exit status 1 until then).
program_pid() {
  local pid path
  while read -r pid path; do
    [ "${path##*/}" = "$program_comm" ] && [ "$pid" != "$1" ] && { echo "$pid"; return 0; }
  done < <(walk "$1" "")
  return 1
}

# memory PID: "rss pss private" in kB; pss and private are "-" when smaps_rollup cannot be read.
memory() {
  awk '/^Rss:/ {r = $2} /^Pss:/ {p = $2} /^Private_(Clean|Dirty):/ {v += $2} END {if (r == "") exit 1; print r, p, v}' \
    "/proc/$1/smaps_rollup" 2>/dev/null ||
    awk '/^VmRSS:/ {print $2, "-", "-"; found = 1} END {exit !found}' "/proc/$1/status" 2>/dev/null ||
    echo "- - -"
}

# stop: SIGTERM to each launcher (kiln's pid takes its sandbox down, firejail shuts its own down), up to
# five seconds for every process to go, then SIGKILL to whatever is left; reaps the launchers.
stop() {
  local entry pid t i
  for entry in "${launchers[@]}"; do kill -TERM "$entry" 2>/dev/null || true; done
  for ((i = 0; i < 100; i++)); do
    t=0
    for entry in "${started[@]}"; do alive "${entry%%:*}" && t=1 && break; done
    [ "$t" = 0 ] && break
    sleep 0.05
  done
  for entry in "${started[@]}"; do
    pid=${entry%%:*}
    # NOTE: by pid and start time, so a recycled pid is never hit.
    if alive "$pid" && [ "$(start_time "$pid")" = "${entry#*:}" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  wait "${launchers[@]}" 2>/dev/null || true
  started=()
  launchers=()
}
launchers=()
cleanup() {
  stop
  # Prunes the registry entries of the kiln sandboxes just killed.
  "${as[@]}" "$kiln" --list >/dev/null 2>&1 || true
  rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# measure KIND COMMAND...: runs `count` sandboxes of COMMAND at once and appends their processes to
# $out/rows as "kind sandbox pid path rss pss private".
measure() {
  local kind=$1 i pid prog deadline
  shift
  for ((i = 0; i < count; i++)); do
    "${as[@]}" "$@" "${program[@]}" </dev/null >"$out/$kind.$i.log" 2>&1 &
    launchers+=("$!")
    started+=("$!:$(start_time "$!")")
  done
  deadline=$((SECONDS + 60))
  for ((i = 0; i < count; i++)); do
    pid=${launchers[i]}
    until program_pid "$pid" >/dev/null; do
      if ! alive "$pid" || [ "$SECONDS" -gt "$deadline" ]; then
        echo "bench: $kind sandbox $i did not start its program:" >&2
        cat "$out/$kind.$i.log" >&2
        exit 1
      fi
      sleep 0.05
    done
  done
  sleep 1 # let the supervisors settle after the start
  for ((i = 0; i < count; i++)); do
    pid=${launchers[i]}
    prog=$(program_pid "$pid")
    while read -r p path; do
      started+=("$p:$(start_time "$p")")
      [ "$p" = "$prog" ] && continue
      echo "$kind $i $p $path $(memory "$p")" >>"$out/rows"
    done < <(walk "$pid" "")
  done
  stop
}

: >"$out/rows"
measure kiln-noprofile "$kiln" --quiet --noprofile
if command -v firejail >/dev/null; then measure firejail-noprofile firejail --quiet --noprofile; fi
# Each picks its default for `sleep`: default.profile, or server.profile for root.
measure kiln-default "$kiln" --quiet
if command -v firejail >/dev/null; then measure firejail-default firejail --quiet; else echo "bench: firejail is not installed" >&2; fi

python3 - "$out/rows" "$count" "${as_user:-$(id -un)}" <<'PY'
import statistics, sys
from collections import defaultdict
rows = [line.split() for line in open(sys.argv[1])]
count, user = int(sys.argv[2]), sys.argv[3]
kinds = list(dict.fromkeys(r[0] for r in rows))
# per kind: process path -> [(rss, pss, private)], and sandbox -> totals
procs = {k: defaultdict(list) for k in kinds}
totals = {k: defaultdict(lambda: [0, 0, 0]) for k in kinds}
for kind, box, _pid, path, *mem in rows:
    vals = [None if v == "-" else int(v) for v in mem]
    procs[kind][path].append(vals)
    t = totals[kind][box]
    for i, v in enumerate(vals):
        t[i] = None if v is None or t[i] is None else t[i] + v

def med(values):
    return None if any(v is None for v in values) or not values else statistics.median(values)

def fmt(v):
    return f"{'-':>8}" if v is None else f"{v:>8.0f}"

print(f"Supervising processes of {count} concurrent sandboxes per kind, as {user}; kB, median over the sandboxes")
print(f"{'kind':<20}{'process':<22}{'n':>3}{'RSS':>8}{'PSS':>8}{'private':>8}")
pss_box = {}
for kind in kinds:
    first = kind
    for path, mems in procs[kind].items():
        cols = [med([m[i] for m in mems]) for i in range(3)]
        print(f"{first:<20}{path:<22}{len(mems):>3}" + "".join(fmt(c) for c in cols))
        first = ""
    boxes = list(totals[kind].values())
    cols = [med([b[i] for b in boxes]) for i in range(3)]
    pss_box[kind] = cols[1]
    print(f"{'':<20}{'per sandbox':<22}{len(boxes):>3}" + "".join(fmt(c) for c in cols))
print()
for a, b in (("kiln-noprofile", "firejail-noprofile"), ("kiln-default", "firejail-default")):
    if pss_box.get(a) is not None and pss_box.get(b):
        print(f"PSS per sandbox, {a} / {b} = {pss_box[a] / pss_box[b]:.2f}")
    elif a in pss_box and b in pss_box:
        print(f"PSS per sandbox, {a} / {b}: unreadable (firejail is setuid; as root, use --as USER)")
PY
