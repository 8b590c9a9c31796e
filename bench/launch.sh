#!/usr/bin/env bash
# Launch latency: kiln against plain bwrap doing the same namespaces, and against firejail, in one
# hyperfine run on this machine. Prints each median and the ratios the project tracks.
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

python3 - "$out/launch.json" <<'PY'
import json, statistics, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
med = {name: statistics.median(r["times"]) * 1000 for name, r in results.items()}
print(f"{'command':<22}{'median ms':>10}")
for name, m in med.items():
    print(f"{name:<22}{m:>10.2f}")
def ratio(a, b):
    if a in med and b in med:
        print(f"{a} / {b} = {med[a] / med[b]:.2f}")
print()
ratio("kiln-noprofile", "bwrap")               # target: at most 2.0
ratio("kiln-noprofile", "firejail-noprofile")  # target: at most 0.4
ratio("kiln-default", "firejail-default")      # target: at most 0.3 (issue 4)
ratio("kiln-builtin-default", "firejail-default")
ratio("kiln-debian-default", "firejail-debian-default")
PY
