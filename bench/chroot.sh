#!/usr/bin/env bash
# --chroot's launch cost: kiln into a minimal chroot (dash, true and their libraries) against kiln's
# ordinary launch, and, as root, against firejail --chroot on the same directory. Prints per command the
# median wall time (hyperfine) and the CPU time (user + system) of every process a launch starts
# (bench/cpu-runs.py, which reaps what bwrap's monitor leaves; see bench/launch.sh).
#   bench/chroot.sh [runs]     (as root and as an unprivileged user)
# NOTE: firejail refuses --chroot unless firejail.config says `chroot yes`. As root the script runs in a
# mount namespace of its own where a copy of the config with that line is bound over the real one: the
# host's file is never changed. As a user, firejail is left out.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
kiln=${KILN_BIN:-$PWD/dist/kiln}
for tool in hyperfine ldd python3; do command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 2; }; done
[ -x "$kiln" ] || { echo "bench: $kiln missing; run npm run build" >&2; exit 2; }

if [ "${1:-}" = --inside ]; then shift; runs=$1; dir=$2; out=$3
else
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  chmod 755 "$out"
  dir=$out/root
  mkdir -m 755 "$dir"
  for p in /bin/sh /usr/bin/true; do
    real=$(readlink -f "$p")
    mkdir -p "$dir$(dirname "$p")" && cp "$real" "$dir$p"
    for lib in $(ldd "$real" | grep -o '/[^ ]*'); do mkdir -p "$dir$(dirname "$lib")" && cp -L "$lib" "$dir$lib"; done
  done
  # Firejail wants these in a chroot; kiln needs /proc and /dev.
  mkdir -p "$dir/proc" "$dir/dev" "$dir/tmp" "$dir/etc" "$dir/var/tmp"
  if [ "$(id -u)" = 0 ] && command -v firejail >/dev/null; then
    sed 's/^# *chroot no$/chroot yes/' /etc/firejail/firejail.config > "$out/firejail.config"
    exec unshare -m --propagation private sh -c 'mount --bind "$1/firejail.config" /etc/firejail/firejail.config && "$2" --inside "$3" "$4" "$1"' \
      sh "$out" "$PWD/bench/chroot.sh" "$runs" "$dir"
  fi
fi

# kiln-init: an ordinary launch that runs kiln's init stage too (for the limit), as every chroot does.
cmds=(-n kiln-noprofile "$kiln --quiet --noprofile /usr/bin/true" -n kiln-init "$kiln --quiet --noprofile --rlimit-nofile=4096 /usr/bin/true")
cmds+=(-n kiln-chroot "$kiln --quiet --noprofile --chroot=$dir /usr/bin/true")
if [ "$(id -u)" = 0 ] && command -v firejail >/dev/null; then
  cmds+=(-n firejail-noprofile "firejail --quiet --noprofile /usr/bin/true" -n firejail-chroot "firejail --quiet --noprofile --chroot=$dir /usr/bin/true")
fi
hyperfine -N --warmup 20 --runs "$runs" --export-json "$out/launch.json" "${cmds[@]}" >&2
python3 bench/cpu-runs.py "$(( runs / 4 > 10 ? runs / 4 : 10 ))" "$out/cpu.json" "${cmds[@]}" >&2
python3 - "$out/launch.json" "$out/cpu.json" <<'PY'
import json, statistics, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
every = json.load(open(sys.argv[2]))
print(f"{'command':<22}{'wall ms':>9}{'CPU ms':>9}{'user':>8}{'sys':>8}")
for n, r in results.items():
    c = every[n]
    print(f"{n:<22}{statistics.median(r['times']) * 1000:>9.2f}{c['user'] + c['system']:>9.2f}{c['user']:>8.2f}{c['system']:>8.2f}")
PY
