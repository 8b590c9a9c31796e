#!/usr/bin/env bash
# What profile resolution costs a launch, in the real binary (cold: one process per run).
#   bench/profiles-launch.sh [runs]
# Compares: kiln --version (start-up only) with --profile.check of kiln's built-in default (kiln-secrets
# and friends, ~150 lines) and of Firejail's default.profile (with disable-common.inc and
# disable-programs.inc, ~1,900 lines); then full launches with and without a profile.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100}
kiln=${KILN_BIN:-$PWD/dist/kiln}
command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed" >&2; exit 2; }
[ -x "$kiln" ] || { echo "bench: $kiln missing; run npm run build" >&2; exit 2; }
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
# An empty home, so that only the system's and the built-in profiles are found.
# Every command goes through env(1), so that its cost cancels out.
cmds=(-n version "env HOME=$home $kiln --version")
cmds+=(-n check-builtin-default "env HOME=$home $kiln --profile.check=$PWD/profiles/default.profile")
if [ -f /etc/firejail/default.profile ]; then
  cmds+=(-n check-firejail-default "env HOME=$home $kiln --profile.check=/etc/firejail/default.profile")
fi
cmds+=(-n launch-noprofile "env HOME=$home $kiln --quiet --noprofile true")
cmds+=(-n launch-default "env HOME=$home $kiln --quiet true")
hyperfine -N --warmup 10 --runs "$runs" "${cmds[@]}"
