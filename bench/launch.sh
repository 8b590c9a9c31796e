#!/usr/bin/env bash
# Launch cost: kiln against plain bwrap doing the same namespaces, and against firejail, on this machine.
# Prints, per command, the median wall time and the mean CPU time (user + system) per launch, and the
# ratios the project tracks.
#
# Wall time comes from one hyperfine run holding every command. CPU time is counted twice:
#   - hyperfine's user + system: what the launcher's own process tree reaped. NOTE: with --unshare-pid,
#     bwrap's monitor exits on its pid 1's report without reaping it, so for bwrap and kiln this misses
#     everything inside the sandbox (bwrap's pid 1 and its mounts, kiln's init stage, the program);
#     firejail reaps its children, so for firejail it is complete.
#   - "all": every process the launch started, counted by a subreaper that adopts and reaps the orphans
#     (bench/cpu-runs.py), the commands taken in turn, round after round. This is the one to compare.
#   bench/launch.sh [runs]     (run it as root and as an unprivileged user; both matter)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
kiln=${KILN_BIN:-$PWD/dist/kiln}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for tool in hyperfine bwrap; do command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 2; }; done
[ -x "$kiln" ] || { echo "bench: $kiln missing; run npm run build" >&2; exit 2; }

# Plain bwrap with the mounts and namespaces kiln --noprofile uses (see kiln --debug --noprofile true).
bwrap_cmd="bwrap --unshare-pid --die-with-parent --bind / / --dev-bind /dev /dev --proc /proc"
if [ "$(id -u)" = 0 ]; then
  bwrap_cmd="$bwrap_cmd --ro-bind /proc/sys /proc/sys --ro-bind-try /proc/sysrq-trigger /proc/sysrq-trigger"
fi
cmds=(-n bwrap "$bwrap_cmd true" -n kiln-noprofile "$kiln --quiet --noprofile true")
# kiln's own default profile (the one embedded in the binary, used when no Firejail profiles are installed).
cmds+=(-n kiln-builtin-default "$kiln --quiet --profile=$PWD/profiles/default.profile true")
if command -v firejail >/dev/null; then
  cmds+=(-n firejail-noprofile "firejail --quiet --noprofile true")
  # Each picks its default for `true`: default.profile, or server.profile for root, from /etc/firejail.
  cmds+=(-n kiln-default "$kiln --quiet true" -n firejail-default "firejail --quiet true")
  if [ -f /etc/firejail/default.profile ]; then
    debian=/etc/firejail/default.profile
    cmds+=(-n kiln-debian-default "$kiln --quiet --profile=$debian true" -n firejail-debian-default "firejail --quiet --profile=$debian true")
  fi
else
  echo "bench: firejail is not installed; comparing with bwrap only" >&2
fi

hyperfine -N --warmup 20 --runs "$runs" --export-json "$out/launch.json" "${cmds[@]}" >&2
cpu_rounds=$(( runs / 4 > 10 ? runs / 4 : 10 ))
echo "bench: CPU time of every process, $cpu_rounds rounds" >&2
python3 bench/cpu-runs.py "$cpu_rounds" "$out/cpu.json" "${cmds[@]}"

python3 - "$out/launch.json" "$out/cpu.json" <<'PY'
import json, statistics, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
every = json.load(open(sys.argv[2]))
wall = {n: statistics.median(r["times"]) * 1000 for n, r in results.items()}
# Both CPU figures include starting a process at all: /usr/bin/true alone costs 3.5-4.5 ms on the
# development VM.
hf = {n: (r["user"] + r["system"]) * 1000 for n, r in results.items()}
cpu = {n: c["user"] + c["system"] for n, c in every.items()}
def x(d, a, b):
    return f"{d[a] / d[b]:.2f}" if a in d and b in d and d[b] > 0 else "-"
print(f"{'command':<24}{'wall ms':>9}{'/bwrap':>8}{'CPU ms':>9}{'/bwrap':>8}{'user':>8}{'sys':>8}{'hyperfine CPU':>15}")
for n in results:
    print(f"{n:<24}{wall[n]:>9.2f}{x(wall, n, 'bwrap'):>8}{cpu[n]:>9.2f}{x(cpu, n, 'bwrap'):>8}"
          f"{every[n]['user']:>8.2f}{every[n]['system']:>8.2f}{hf[n]:>15.2f}")
print()
print(f"{'ratio':<48}{'wall':>7}{'CPU':>7}{'hyperfine CPU':>15}")
def ratio(a, b, target=""):
    if a in wall and b in wall:
        print(f"{a + ' / ' + b:<48}{x(wall, a, b):>7}{x(cpu, a, b):>7}{x(hf, a, b):>15}{target}")
ratio("kiln-noprofile", "bwrap", "   target: wall at most 2.0")
ratio("kiln-noprofile", "firejail-noprofile", "   target: wall at most 0.4")
ratio("kiln-default", "firejail-default", "   target: wall at most 0.3 (issue 4)")
ratio("kiln-builtin-default", "firejail-default")
ratio("kiln-debian-default", "firejail-debian-default")
ratio("firejail-noprofile", "bwrap")
PY
