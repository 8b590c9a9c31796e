#!/usr/bin/env bash
# Launch cost of D-Bus filtering and of the X11 modes: kiln's against firejail's, on this machine.
# Launches of /bin/true, in one run:
#   bwrap                 plain bwrap with the namespaces and mounts of kiln --noprofile (as bench/launch.sh)
#   kiln-noprofile        kiln --quiet --noprofile
#   kiln-dbus-filter      the same with --dbus-user=filter --dbus-user.talk=org.example.A
#   firejail-noprofile    firejail --quiet --noprofile
#   firejail-dbus-filter  the same with --dbus-user=filter --dbus-user.talk=org.example.A
#   kiln-x11-xvfb, kiln-x11-xephyr, kiln-x11-xorg, firejail-x11-xvfb, firejail-x11-xephyr
#                         --x11=MODE with a host Xvfb standing in for the user's display (when Xvfb is
#                         installed; Xephyr and xauth cases when those are). These take a quarter of the runs.
# For each: the median wall time from hyperfine, and the mean CPU time (user + system) per launch of every
# process the launch started, xdg-dbus-proxy included, from bench/cpu-runs.py (see bench/launch.sh for why
# hyperfine's own CPU figures are not used). Then the added cost of the filter, kiln-dbus-filter minus
# kiln-noprofile and firejail-dbus-filter minus firejail-noprofile, and the proxy's own start time as
# kiln --debug reports it ("helper xdg-dbus-proxy (pid N) ready in X ms"), the median over 20 launches.
#
# hyperfine runs each case in one block, one after the other, so a change in the machine's load between
# two blocks lands in their difference. The column "in turn" is cpu-runs.py's median wall time: the
# cases alternate launch by launch, and each launch counts until every process it started is gone (the
# proxy's exit included). The load average before and after is printed with the table; trust a run whose
# two figures agree.
#
# The filtered cases need a session bus: the script starts a private dbus-daemon on a socket in its
# temporary directory and points DBUS_SESSION_BUS_ADDRESS at it; nothing else of the host's is used, no
# network. Each case is tried once before the measurement (and, for the filtered ones, checked to start a
# proxy); a case that fails is reported as failed, with its message, instead of a figure.
#
#   bench/desktop.sh [--as USER] [runs]     (default 200 hyperfine runs; CPU rounds are a quarter of that)
#
# Run it as root and as an unprivileged user; both matter (firejail is setuid and behaves differently for
# root). As root, `--as USER` runs the whole benchmark, the bus included, as USER through runuser with a
# clean environment (HOME, USER, LOGNAME, PATH), so no wrapper sits in the measured launches.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --as ]; then
  as_user=${2:?--as needs a user name}
  shift 2
  [ "$(id -u)" = 0 ] || { echo "bench: --as needs root" >&2; exit 2; }
  home=$(getent passwd "$as_user" | cut -d: -f6)
  [ -n "$home" ] || { echo "bench: no user $as_user" >&2; exit 2; }
  exec runuser -u "$as_user" -- env -i HOME="$home" USER="$as_user" LOGNAME="$as_user" PATH=/usr/bin:/bin \
    ${KILN_BIN:+KILN_BIN="$KILN_BIN"} bash "$PWD/bench/desktop.sh" "$@"
fi
runs=${1:-200}
kiln=${KILN_BIN:-$PWD/dist/kiln}
program=/bin/true
filter=(--dbus-user=filter --dbus-user.talk=org.example.A)
proxy_samples=20
for tool in hyperfine bwrap python3 dbus-daemon xdg-dbus-proxy; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 2; }
done
[ -x "$kiln" ] || { echo "bench: $kiln missing; run npm run build" >&2; exit 2; }
x11_runs=$(( runs / 4 > 10 ? runs / 4 : 10 ))

out=$(mktemp -d)
bus_pid=
xvfb_pid=
child=
# leftovers: pids of live processes that carry this run's bus address (in their environment, or in their
# arguments as firejail passes it to its proxy), the bus itself excepted. Zombies are skipped: a proxy
# that outlives its launcher is reparented and reaped there, which can take a moment.
leftovers() {
  local p state
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = "$bus_pid" ] || [ "$p" = "$xvfb_pid" ] || [ "$p" = "$$" ] || [ "$p" = "$BASHPID" ] && continue
    state=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    state=${state##*) }
    [ "${state:0:1}" = Z ] && continue
    if grep -qsF -- "$out/bus" "/proc/$p/environ" "/proc/$p/cmdline"; then echo "$p"; fi
  done
}
cleanup() {
  local status=$? p i left
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  # The proxies exit when their sandbox does; give them a moment, then say so and end them if they did not.
  for ((i = 0; i < 40; i++)); do
    left=$(leftovers)
    [ -z "$left" ] && break
    sleep 0.05
  done
  for p in $left; do
    echo "bench: warning: process $p ($(cat "/proc/$p/comm" 2>/dev/null)) outlived its launch; killing it" >&2
    kill -KILL "$p" 2>/dev/null || true
  done
  if [ -n "$bus_pid" ]; then
    kill -TERM "$bus_pid" 2>/dev/null || true
    wait "$bus_pid" 2>/dev/null || true
  fi
  if [ -n "$xvfb_pid" ]; then
    kill -TERM "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
  fi
  rm -rf "$out"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# long COMMAND...: runs COMMAND in the background and waits for it, so that a signal to the script is
# handled at once (bash runs a trap only once its foreground command is done) and ends COMMAND too.
long() {
  "$@" &
  child=$!
  wait "$child"
  child=
}

# The private session bus.
cat >"$out/bus.conf" <<EOF
<busconfig><type>session</type><listen>unix:path=$out/bus</listen><auth>EXTERNAL</auth><policy context="default"><allow send_destination="*"/><allow own="*"/></policy></busconfig>
EOF
dbus-daemon --config-file="$out/bus.conf" --nofork --print-address=1 >"$out/bus.address" 2>"$out/bus.log" </dev/null &
bus_pid=$!
for ((i = 0; i < 100; i++)); do
  [ -s "$out/bus.address" ] && [ -S "$out/bus" ] && break
  kill -0 "$bus_pid" 2>/dev/null || { echo "bench: dbus-daemon exited:" >&2; cat "$out/bus.log" >&2; exit 1; }
  sleep 0.05
done
[ -S "$out/bus" ] || { echo "bench: dbus-daemon did not start listening" >&2; exit 1; }
DBUS_SESSION_BUS_ADDRESS=$(head -n 1 "$out/bus.address")
export DBUS_SESSION_BUS_ADDRESS

# Plain bwrap with the mounts and namespaces kiln --noprofile uses, as in bench/launch.sh.
bwrap_cmd="bwrap --unshare-pid --die-with-parent --bind / / --dev-bind /dev /dev --proc /proc"
if [ "$(id -u)" = 0 ]; then
  bwrap_cmd="$bwrap_cmd --ro-bind /proc/sys /proc/sys --ro-bind-try /proc/sysrq-trigger /proc/sysrq-trigger"
fi
names=(bwrap kiln-noprofile kiln-dbus-filter)
declare -A cmd=(
  [bwrap]="$bwrap_cmd $program"
  [kiln-noprofile]="$kiln --quiet --noprofile $program"
  [kiln-dbus-filter]="$kiln --quiet --noprofile ${filter[*]} $program"
)
if command -v firejail >/dev/null; then
  names+=(firejail-noprofile firejail-dbus-filter)
  cmd[firejail-noprofile]="firejail --quiet --noprofile $program"
  cmd[firejail-dbus-filter]="firejail --quiet --noprofile ${filter[*]} $program"
else
  echo "bench: firejail is not installed; measuring kiln only" >&2
fi

# The X11 cases, against a host Xvfb that stands in for the user's display (-noreset, as a desktop's
# server runs, so that x11 xorg's untrusted cookie outlives xauth's connection).
x11_names=()
if command -v Xvfb >/dev/null && command -v xauth >/dev/null; then
  for ((d = 70; d < 200; d++)); do [ -e "/tmp/.X11-unix/X$d" ] || [ -e "/tmp/.X$d-lock" ] || break; done
  : >"$out/host.auth"
  xauth -f "$out/host.auth" add ":$d" MIT-MAGIC-COOKIE-1 "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  Xvfb ":$d" -nolisten tcp -noreset -auth "$out/host.auth" -screen 0 1024x768x24 </dev/null >"$out/xvfb.log" 2>&1 &
  xvfb_pid=$!
  for ((i = 0; i < 100; i++)); do [ -S "/tmp/.X11-unix/X$d" ] && break; sleep 0.05; done
  export DISPLAY=":$d" XAUTHORITY="$out/host.auth"
  modes=(xvfb xorg)
  command -v Xephyr >/dev/null && modes+=(xephyr)
  for m in "${modes[@]}"; do
    x11_names+=("kiln-x11-$m")
    cmd[kiln-x11-$m]="$kiln --quiet --noprofile --x11=$m $program"
  done
  if command -v firejail >/dev/null; then
    for m in xvfb xephyr; do
      [ "$m" = xephyr ] && ! command -v Xephyr >/dev/null && continue
      x11_names+=("firejail-x11-$m")
      cmd[firejail-x11-$m]="firejail --quiet --noprofile --x11=$m $program"
    done
  fi
else
  echo "bench: Xvfb or xauth is not installed; no X11 cases" >&2
fi

# fail NAME MESSAGE: the case is left out of the measurement and reported with MESSAGE.
fail() {
  echo "bench: $1 fails: $2" >&2
  printf '%s\n' "$2" >"$out/failed.$1"
}
# first_line FILE: the first non-empty line of FILE, or "exit status N" if none ($2).
first_line() {
  local line
  line=$(grep -m 1 -v '^[[:space:]]*$' "$1" || true)
  echo "${line:-$2}"
}
read -r load_before _ </proc/loadavg
hf_cmds=()
x11_cmds=()
for n in "${names[@]}" "${x11_names[@]}"; do
  # Words as hyperfine -N and cpu-runs.py split them: no spaces in the paths here.
  read -r -a argv <<<"${cmd[$n]}"
  status=0
  "${argv[@]}" </dev/null >"$out/try.$n" 2>&1 || status=$?
  if [ "$status" != 0 ]; then
    fail "$n" "$(first_line "$out/try.$n" "exit status $status")"
    continue
  fi
  case $n in
    kiln-dbus-filter)
      "${argv[0]}" --debug "${argv[@]:1}" </dev/null >"$out/try.$n" 2>&1 || true
      grep -q '^kiln: helper xdg-dbus-proxy (pid [0-9]*) ready in' "$out/try.$n" ||
        { fail "$n" "kiln --debug shows no xdg-dbus-proxy"; continue; } ;;
    firejail-dbus-filter)
      "${argv[0]}" --debug "${argv[@]:1}" </dev/null >"$out/try.$n" 2>&1 || true
      grep -q 'xdg-dbus-proxy initialized' "$out/try.$n" ||
        { fail "$n" "firejail --debug shows no xdg-dbus-proxy"; continue; } ;;
  esac
  case $n in
    *-x11-*) x11_cmds+=(-n "$n" "${cmd[$n]}") ;;
    *) hf_cmds+=(-n "$n" "${cmd[$n]}") ;;
  esac
done

[ ${#hf_cmds[@]} -gt 0 ] || { echo "bench: every case failed" >&2; exit 1; }
echo "bench: wall time, $runs runs each" >&2
long hyperfine -N --warmup 20 --runs "$runs" --export-json "$out/wall.json" "${hf_cmds[@]}" >&2
cpu_rounds=$(( runs / 4 > 10 ? runs / 4 : 10 ))
echo "bench: CPU time of every process, $cpu_rounds rounds" >&2
long python3 bench/cpu-runs.py "$cpu_rounds" "$out/cpu.json" "${hf_cmds[@]}"
echo '{"results": []}' >"$out/x11-wall.json"
echo '{}' >"$out/x11-cpu.json"
if [ ${#x11_cmds[@]} -gt 0 ]; then
  echo "bench: X11 modes, wall time, $x11_runs runs each" >&2
  long hyperfine -N --warmup 3 --runs "$x11_runs" --export-json "$out/x11-wall.json" "${x11_cmds[@]}" >&2
  x11_rounds=$(( x11_runs / 2 > 5 ? x11_runs / 2 : 5 ))
  echo "bench: X11 modes, CPU time of every process, $x11_rounds rounds" >&2
  long python3 bench/cpu-runs.py "$x11_rounds" "$out/x11-cpu.json" "${x11_cmds[@]}"
fi

# The proxy's start as kiln measures it: from spawning it until its ready byte.
: >"$out/proxy"
if [ ! -e "$out/failed.kiln-dbus-filter" ]; then
  echo "bench: xdg-dbus-proxy start, $proxy_samples launches with --debug" >&2
  for ((i = 0; i < proxy_samples; i++)); do
    "$kiln" --debug --quiet --noprofile "${filter[@]}" "$program" </dev/null 2>&1 >/dev/null |
      sed -n 's/^kiln: helper xdg-dbus-proxy (pid [0-9]*) ready in \([0-9.]*\) ms$/\1/p' >>"$out/proxy"
  done
fi

read -r load_after _ </proc/loadavg
for n in "${names[@]}" "${x11_names[@]}"; do [ -e "$out/failed.$n" ] && printf '%s\t%s\n' "$n" "$(cat "$out/failed.$n")"; done >"$out/failed"
python3 - "$out/wall.json" "$out/cpu.json" "$out/failed" "$out/proxy" "$(id -un)" "$runs" "$cpu_rounds" "$load_before" "$load_after" "$out/x11-wall.json" "$out/x11-cpu.json" "${names[@]}" "${x11_names[@]}" <<'PY'
import json, statistics, sys
wall_json, cpu_json, failed_file, proxy_file, user, runs, rounds, load_before, load_after, x11_wall_json, x11_cpu_json, *names = sys.argv[1:]
wall = {r["command"]: statistics.median(r["times"]) * 1000 for r in json.load(open(wall_json))["results"]}
wall.update({r["command"]: statistics.median(r["times"]) * 1000 for r in json.load(open(x11_wall_json))["results"]})
cpu = json.load(open(cpu_json))
cpu.update(json.load(open(x11_cpu_json)))
failed = dict(line.rstrip("\n").split("\t", 1) for line in open(failed_file) if line.strip())
proxy = [float(x) for x in open(proxy_file).read().split()]

print(f"Launch of /bin/true as {user}; load average {load_before} before, {load_after} after")
print(f"wall: hyperfine median of {runs} runs; in turn: median of {rounds} rounds taken in turn, until every"
      f" process is gone; CPU: user + system of every process, mean of the same rounds")
print(f"{'case':<22}{'wall ms':>9}{'in turn':>9}{'CPU ms':>9}{'user':>8}{'sys':>8}")
for n in names:
    if n in failed:
        print(f"{n:<22}  failed: {failed[n]}")
    else:
        c = cpu[n]
        print(f"{n:<22}{wall[n]:>9.2f}{c['wall']:>9.2f}{c['user'] + c['system']:>9.2f}{c['user']:>8.2f}{c['system']:>8.2f}")
print()
print(f"{'added cost (X11 cases: fewer runs, see above)':<54}{'wall ms':>9}{'in turn':>9}{'CPU ms':>9}")
added = {}
pairs = [(tool, f"{tool}-{case}", f"{tool}-noprofile") for case in ("dbus-filter", "x11-xvfb", "x11-xephyr", "x11-xorg") for tool in ("kiln", "firejail")]
for tool, a, b in pairs:
    label = f"{tool}: {a} - {b}"
    if a not in names or b not in names:
        continue
    if a in failed or b in failed:
        print(f"{label:<54}  -  ({a if a in failed else b} failed)")
        continue
    w = wall[a] - wall[b]
    t = cpu[a]["wall"] - cpu[b]["wall"]
    c = (cpu[a]["user"] + cpu[a]["system"]) - (cpu[b]["user"] + cpu[b]["system"])
    added[a] = (w, t, c)
    print(f"{label:<54}{w:>9.2f}{t:>9.2f}{c:>9.2f}")
    other = "kiln" + a[len("firejail"):] if tool == "firejail" else None
    if other in added:
        k, f = added[other], added[a]
        r = lambda x, y: f"{x / y:.2f}" if y > 0 else "-"
        print(f"{'  kiln / firejail':<54}" + "".join(f"{r(x, y):>9}" for x, y in zip(k, f)))
print()
if proxy:
    print(f"xdg-dbus-proxy start as kiln --debug reports it: median {statistics.median(proxy):.1f} ms over {len(proxy)} "
          f"launches (min {min(proxy):.1f}, max {max(proxy):.1f})")
elif "kiln-dbus-filter" in failed:
    print("xdg-dbus-proxy start: - (kiln-dbus-filter failed)")
else:
    print("xdg-dbus-proxy start: - (kiln --debug printed no 'ready in' line)")
PY
