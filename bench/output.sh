#!/usr/bin/env bash
# What --output costs a launch, kiln's against firejail's, on this machine, in one run:
#   kiln-noprofile / kiln-output          kiln --quiet --noprofile [--output=LOG] /bin/echo …
#   firejail-noprofile / firejail-output  firejail --quiet --noprofile [--output=LOG] /bin/echo …
# For each: hyperfine's median wall time, and bench/cpu-runs.py's mean CPU time (user + system) per launch
# of every process the launch started (kiln's log relay, firejail's ftee), with its median wall time, the
# cases taking turns, each launch counted until every process it started is gone. The log goes to a
# temporary directory; stdout to /dev/null (no terminal: both copy through a pipe then).
#   bench/output.sh [runs]      (default 100)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100}
kiln=${KILN_BIN:-$PWD/dist/kiln}
for tool in hyperfine python3 firejail; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 2; }
done
[ -x "$kiln" ] || { echo "bench: $kiln missing; run npm run build" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
program="/bin/echo a-line-for-the-log"
names=(kiln-noprofile kiln-output firejail-noprofile firejail-output)
cmds=(
  "$kiln --quiet --noprofile $program"
  "$kiln --quiet --noprofile --output=$out/kiln.log $program"
  "firejail --quiet --noprofile $program"
  "firejail --quiet --noprofile --output=$out/firejail.log $program"
)
hf=()
cr=()
for i in "${!names[@]}"; do
  hf+=(-n "${names[$i]}" "${cmds[$i]}")
  cr+=(-n "${names[$i]}" "${cmds[$i]}")
done
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N -w 3 -r "$runs" --export-json "$out/hf.json" --output=null "${hf[@]}" >/dev/null
python3 bench/cpu-runs.py "$(( runs / 2 ))" "$out/cpu.json" "${cr[@]}" >/dev/null
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out/hf.json" "$out/cpu.json" <<'PY'
import json, statistics, sys
hf = {r["command"]: statistics.median(r["times"]) * 1000 for r in json.load(open(sys.argv[1]))["results"]}
cpu = json.load(open(sys.argv[2]))
print(f"{'case':22} {'wall (hyperfine)':>17} {'wall (in turn)':>15} {'CPU user+sys':>13}")
for name, c in cpu.items():
    print(f"{name:22} {hf[name]:14.1f} ms {c['wall']:12.1f} ms {c['user'] + c['system']:10.1f} ms")
for tool in ("kiln", "firejail"):
    a, b = cpu[f"{tool}-output"], cpu[f"{tool}-noprofile"]
    print(f"{tool}: --output adds {hf[tool + '-output'] - hf[tool + '-noprofile']:.1f} ms wall (hyperfine), "
          f"{(a['user'] + a['system']) - (b['user'] + b['system']):.1f} ms CPU per launch")
PY
