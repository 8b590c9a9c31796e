#!/usr/bin/env bash
# What --trace costs a launch and what --build takes, kiln's against firejail's, on this machine, in one run.
#   bench/build.sh [runs]      (default 30; --build cases run runs/6 times, at least 3)
# Programs: a dynamic coreutils program (ls over /usr/share/doc), a static binary (made here with gcc
# -static, skipped without gcc/libc6-dev), a shell script running three programs, and python3 importing
# socket. For each, --noprofile with and without --trace: hyperfine's median wall time, and
# bench/cpu-runs.py's mean CPU time (user + system) of every process the launch started (kiln's relay
# and strace, Firejail's preloaded library), until every one of them is gone. Then --build's wall time
# per program (kiln: the traced run, the profile and the verification run; firejail: its traced run).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
runs=${1:-30}
kiln=${KILN_BIN:-$PWD/dist/kiln}
for tool in hyperfine python3 firejail strace; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 2; }
done
[ -x "$kiln" ] || { echo "bench: $kiln missing; run npm run build" >&2; exit 2; }
out=$(mktemp -d /tmp/kiln-bench-build.XXXXXX)
chmod 755 "$out"
trap 'rm -rf "$out"' EXIT
cat >"$out/script.sh" <<'SH'
#!/bin/sh
cat /etc/hostname | wc -l >/dev/null
ls /usr/share/doc >/dev/null
SH
chmod +x "$out/script.sh"
# Programs by name or full path: firejail --build refuses /usr/bin/ls ("invalid program") but takes ls.
printf 'import socket\n' >"$out/import_socket.py"
declare -A prog=(
  [ls]="ls -R /usr/share/doc/coreutils /usr/share/doc/bash"
  [script]="$out/script.sh"
  [python]="python3 $out/import_socket.py"
)
if command -v gcc >/dev/null && printf 'int main(void){return 0;}' | gcc -static -x c -o "$out/static" - 2>/dev/null; then
  prog[static]="$out/static"
fi
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
hf=() cr=()
for p in "${!prog[@]}"; do
  cmd=${prog[$p]}
  for c in \
    "kiln-$p|$kiln --quiet --noprofile $cmd" \
    "kiln-trace-$p|$kiln --quiet --noprofile --trace=$out/k-$p.log $cmd" \
    "firejail-$p|firejail --quiet --noprofile $cmd" \
    "firejail-trace-$p|firejail --quiet --noprofile --trace=$out/f-$p.log $cmd"; do
    hf+=(-n "${c%%|*}" "${c#*|}")
    cr+=(-n "${c%%|*}" "${c#*|}")
  done
done
hyperfine -N -w 2 -r "$runs" --export-json "$out/hf.json" --output=null "${hf[@]}" >/dev/null
python3 bench/cpu-runs.py "$(( runs / 2 ))" "$out/cpu.json" "${cr[@]}" >/dev/null
brun=$(( runs / 6 > 3 ? runs / 6 : 3 ))
bh=()
for p in "${!prog[@]}"; do
  cmd=${prog[$p]}
  # firejail takes --build only as its first option (with --quiet first it reports "invalid program").
  bh+=(-n "kiln-build-$p" "$kiln --quiet --build $cmd" -n "firejail-build-$p" "firejail --build $cmd")
done
hyperfine -N -w 1 -r "$brun" --export-json "$out/build.json" --output=null "${bh[@]}" >/dev/null
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out/hf.json" "$out/cpu.json" "$out/build.json" <<'PY'
import json, statistics, sys
hf = {r["command"]: statistics.median(r["times"]) * 1000 for r in json.load(open(sys.argv[1]))["results"]}
cpu = json.load(open(sys.argv[2]))
print(f"{'case':24} {'wall (hyperfine)':>17} {'wall (in turn)':>15} {'CPU user+sys':>13}")
for name in sorted(cpu):
    c = cpu[name]
    print(f"{name:24} {hf[name]:14.1f} ms {c['wall']:12.1f} ms {c['user'] + c['system']:10.1f} ms")
print()
for name in sorted(cpu):
    if "-trace-" not in name: continue
    base = name.replace("-trace", "")
    a, b = cpu[name], cpu[base]
    print(f"{name}: --trace adds {hf[name] - hf[base]:.1f} ms wall, {(a['user'] + a['system']) - (b['user'] + b['system']):.1f} ms CPU")
print()
for r in json.load(open(sys.argv[3]))["results"]:
    print(f"{r['command']:24} --build {statistics.median(r['times']) * 1000:8.0f} ms wall (median), CPU {(r['user'] + r['system']) * 1000:6.0f} ms (mean, waited-for processes)")
PY
