#!/usr/bin/env bash
# Networking's launch cost, side by side in one run, with hyperfine (mean wall time and the user+system CPU
# time hyperfine reports for each launch's process tree).
#   bench/network.sh [runs]        as root; the unprivileged part runs as KILN_BENCH_USER (kilntest)
# 1. root, in a private network namespace with a bridge br0 (10.66.0.1/24), made and deleted here: kiln and
#    firejail --net=br0 --ip=…, and `arping -D` alone (the duplicate address check both make, one second);
#    bwrap --unshare-net, kiln plain and --net=none, firejail --net=none.
# 2. unprivileged: kiln plain, --net=none, --net=eth0 (slirp4netns) and --net=eth0 --netfilter.
set -euo pipefail
cd "$(dirname "$0")/.."
kiln=${KILN_BIN:-$PWD/dist/kiln}
user=${KILN_BENCH_USER:-kilntest}
runs=${1:-20}
ns=kiln-bench-$$
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
ip netns add "$ns"
ip netns exec "$ns" sh -c 'ip link set lo up; ip link add br0 type bridge; ip addr add 10.66.0.1/24 dev br0; ip link set br0 up'
uptime
ip netns exec "$ns" hyperfine -N --warmup 2 --runs "$(( runs / 4 > 5 ? runs / 4 : 5 ))" \
  -n kiln-br0-ip "$kiln --quiet --noprofile --net=br0 --ip=10.66.0.50 /bin/true" \
  -n firejail-br0-ip "firejail --quiet --noprofile --net=br0 --ip=10.66.0.51 /bin/true" \
  -n arping-D-alone "arping -D -q -c 1 -w 1 -I br0 10.66.0.52"
ip netns exec "$ns" hyperfine -N --warmup 3 --runs "$runs" \
  -n bwrap-unshare-net "bwrap --unshare-net --unshare-pid --die-with-parent --bind / / --dev-bind /dev /dev --proc /proc true" \
  -n kiln-plain "$kiln --quiet --noprofile true" \
  -n kiln-net-none "$kiln --quiet --noprofile --net=none true" \
  -n firejail-net-none "firejail --quiet --noprofile --net=none true"
runuser -u "$user" -- hyperfine -N --warmup 3 --runs "$runs" \
  -n user-kiln-plain "$kiln --quiet --noprofile true" \
  -n user-kiln-net-none "$kiln --quiet --noprofile --net=none true" \
  -n user-kiln-slirp4netns "$kiln --quiet --noprofile --net=eth0 true" \
  -n user-kiln-slirp4netns-netfilter "$kiln --quiet --noprofile --net=eth0 --netfilter true"
