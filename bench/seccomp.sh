#!/usr/bin/env bash
# The cost of kiln's seccomp filters, in one hyperfine run on this machine:
#   a syscall-heavy workload (dd with 1-byte blocks: read and write, which every filter allows without
#   looking at arguments, so the kernel's allow cache applies) with no sandbox, bwrap with a one-instruction
#   allow-all filter (the floor), bwrap with kiln's filter for Firejail's default.profile, and Firejail's
#   default profile; and an argument-checked syscall in a loop (ioctl), where the filter runs every time:
#   kiln's decision tree against a linear chain of the same rules.
#   bench/seccomp.sh [runs]      (run it as root and as an unprivileged user)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
bun=${BUN:-./node_modules/.bin/bun}
out=$(mktemp -d)
chmod 755 "$out"
trap 'rm -rf "$out"' EXIT
for tool in hyperfine bwrap dd; do command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 2; }; done

"$bun" bench/seccomp-filters.ts "$out"
echo

dd="dd if=/dev/zero of=/dev/null bs=1 count=2000000 status=none"
loops=5000000
if command -v cc >/dev/null; then
  # Not under /tmp: Firejail refuses to run executables from there.
  mkdir -p bench/results
  cc -O2 -o bench/results/ioctl-loop bench/ioctl-loop.c
  ioctl="$PWD/bench/results/ioctl-loop $loops"
else
  echo "bench: no C compiler; the ioctl loop runs in Python (slower, so the filter's share is smaller)" >&2
  loops=500000
  ioctl="python3 -c 'import fcntl,termios
for _ in range($loops):
    try: fcntl.ioctl(-1, termios.FIONREAD)
    except OSError: pass'"
fi
bw="bwrap --ro-bind / / --dev /dev --proc /proc"
cmds=(
  -n dd-none "$dd"
  -n dd-floor "$bw --add-seccomp-fd 3 $dd 3<$out/allow.bpf"
  -n dd-kiln "$bw --add-seccomp-fd 3 $dd 3<$out/kiln-default.bpf"
  -n ioctl-none "$ioctl"
  -n ioctl-floor "$bw --add-seccomp-fd 3 $ioctl 3<$out/allow.bpf"
  -n ioctl-kiln-tree "$bw --add-seccomp-fd 3 $ioctl 3<$out/kiln-default.bpf"
  -n ioctl-kiln-linear "$bw --add-seccomp-fd 3 $ioctl 3<$out/kiln-linear.bpf"
)
if command -v firejail >/dev/null; then
  cmds+=(-n dd-firejail "firejail --quiet $dd" -n ioctl-firejail "firejail --quiet $ioctl")
else
  echo "bench: firejail is not installed; comparing with bwrap only" >&2
fi

hyperfine --warmup 1 --runs "$runs" --export-json "$out/seccomp.json" "${cmds[@]}" >&2

python3 - "$out/seccomp.json" "$loops" <<'PY'
import json, statistics, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
loops = int(sys.argv[2])
med = {name: statistics.median(r["times"]) * 1000 for name, r in results.items()}
print(f"{'command':<20}{'median ms':>10}")
for name, m in med.items():
    print(f"{name:<20}{m:>10.1f}")
print()
def ratio(a, b, target=""):
    if a in med and b in med:
        print(f"{a} / {b} = {med[a] / med[b]:.3f}{target}")
ratio("dd-floor", "dd-none")
ratio("dd-kiln", "dd-floor", "   (target: at most 1.05)")
ratio("dd-kiln", "dd-firejail", "   (target: at most 1.0; firejail's time includes its launch, about 50 ms here)")
ratio("ioctl-kiln-tree", "ioctl-kiln-linear", "   (target: below 1.0)")
ratio("ioctl-kiln-tree", "ioctl-firejail")
if all(k in med for k in ("ioctl-floor", "ioctl-kiln-tree", "ioctl-kiln-linear")):
    per = lambda k: (med[k] - med["ioctl-floor"]) * 1e6 / loops
    print(f"filter cost per ioctl over the floor: tree {per('ioctl-kiln-tree'):.1f} ns, linear {per('ioctl-kiln-linear'):.1f} ns")
PY
