#!/usr/bin/env bash
# Networking's cost, side by side, in one run (as root; the unprivileged parts run as KILN_BENCH_USER,
# kilntest by default). Prints markdown: per command the median wall time (hyperfine) and the CPU time
# (user + system) of every process a launch starts (bench/cpu-runs.py, which reaps what bwrap's monitor
# and the network helpers leave; see bench/launch.sh), then the helpers' lifetimes, their PSS and the
# user-mode throughput.
#   bench/network.sh [runs] [slow-runs]    runs: fast commands (default 40); slow-runs: the ones that wait
#                                          for ARP (default 10)
#
# 1. root, in a private network namespace with a bridge br0 (10.66.0.1/24) that the script makes and
#    deletes: kiln and firejail --net=br0 with and without --ip, plain bwrap --unshare-net, --net=none,
#    `arping -D` alone (the duplicate address check both do, one second), and kiln --net=br0 again with
#    arping hidden (/dev/null bound over it in the stage's own mount namespace) to show what is left.
# 2. unprivileged, in the host's network namespace: kiln --net=eth0 (slirp4netns) against --net=none and
#    no network; and the two user-mode helpers raw, without kiln (bench/net-usermode.py): slirp4netns
#    attached to a bwrap sandbox from outside, as kiln does it; pasta attached the same way (then stopped
#    by pid, since it has no fd to tie it to the sandbox); pasta starting bwrap itself. Then whether each
#    helper ends with the sandbox, normally and after SIGKILL of the launcher (bench/net-lifetime.py).
# 3. unprivileged, in a second private network namespace standing in for the host (a veth with the
#    default route, 10.67.0.1/32 on lo): a 100 MB download from a sendfile HTTP server on 10.67.0.1,
#    MTU 65520 and 1500, through kiln's slirp4netns and through pasta; median of 3, MB/s = 10^6 bytes/s.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=$PWD/bench
self=$bench/network.sh
kiln=${KILN_BIN:-$PWD/dist/kiln}
user=${KILN_BENCH_USER:-kilntest}
BWRAP_USER="bwrap --unshare-user --unshare-pid --die-with-parent --bind / / --dev-bind /dev /dev --proc /proc"
# Only what slirp4netns gives too: no port forwarding either way.
PASTA="pasta --config-net --no-map-gw -q -t none -u none -T none -U none"

# measure OUT TAG RUNS WARMUP CPU-ROUNDS -n NAME COMMAND ...: hyperfine and cpu-runs.py on the same commands.
measure() {
  local out=$1 tag=$2 runs=$3 warmup=$4 rounds=$5
  shift 5
  hyperfine -N --warmup "$warmup" --runs "$runs" --export-json "$out/$tag.hf.json" "$@" >&2
  python3 "$bench/cpu-runs.py" "$rounds" "$out/$tag.cpu.json" "$@" >&2
}

stage_root() { # inside the bridge's network namespace (and ip netns exec's own mount namespace)
  local runs=$1 slow=$2 out=$3
  measure "$out" 1-root-arp "$slow" 2 "$slow" \
    -n kiln-br0-ip "$kiln --quiet --noprofile --net=br0 --ip=10.66.0.50 /bin/true" \
    -n kiln-br0 "$kiln --quiet --noprofile --net=br0 /bin/true" \
    -n firejail-br0-ip "firejail --quiet --noprofile --net=br0 --ip=10.66.0.51 /bin/true" \
    -n firejail-br0 "firejail --quiet --noprofile --net=br0 /bin/true" \
    -n arping-D-alone "arping -D -q -c 1 -w 1 -I br0 10.66.0.52"
  local cpu=$(( runs / 2 > 10 ? runs / 2 : 10 ))
  local arping
  arping=$(command -v arping)
  # kiln takes an address as free when it finds no arping (said under --debug): the same launch, minus ARP.
  mount --bind /dev/null "$arping"
  # Cached plans name arping by path; plan afresh (the warm-up runs refill the cache).
  rm -rf /run/kiln/plans
  measure "$out" 2-root-fast "$runs" 10 "$cpu" \
    -n bwrap-unshare-net "bwrap --unshare-net --unshare-pid --die-with-parent --bind / / --dev-bind /dev /dev --proc /proc --ro-bind /proc/sys /proc/sys true" \
    -n kiln-plain "$kiln --quiet --noprofile true" \
    -n kiln-net-none "$kiln --quiet --noprofile --net=none true" \
    -n firejail-net-none "firejail --quiet --noprofile --net=none true" \
    -n kiln-br0-ip-no-arping "$kiln --quiet --noprofile --net=br0 --ip=10.66.0.50 /bin/true" \
    -n kiln-br0-no-arping "$kiln --quiet --noprofile --net=br0 /bin/true"
  umount "$arping"
  rm -rf /run/kiln/plans
}

stage_user() { # as the unprivileged user, host network namespace
  local runs=$1 out=$2 cpu=$(( $1 / 2 > 10 ? $1 / 2 : 10 ))
  measure "$out" 3-user "$runs" 10 "$cpu" \
    -n kiln-plain "$kiln --quiet --noprofile true" \
    -n kiln-net-none "$kiln --quiet --noprofile --net=none true" \
    -n kiln-net-eth0 "$kiln --quiet --noprofile --net=eth0 /bin/true" \
    -n raw-bwrap-userns-net "python3 $bench/net-usermode.py none 65520 -- true" \
    -n raw-slirp4netns "python3 $bench/net-usermode.py slirp 65520 -- true" \
    -n raw-pasta-attach "python3 $bench/net-usermode.py pasta-stop 65520 -- true" \
    -n bwrap-userns "$BWRAP_USER --unshare-net true" \
    -n pasta-runs-bwrap "$PASTA -- $BWRAP_USER true"
  local life=$out/lifetime.txt
  {
    printf '| kiln --net=eth0 (slirp4netns) | %s | %s (tini) |\n' \
      "$(python3 "$bench/net-lifetime.py" end -- "$kiln" --quiet --noprofile --net=eth0 true)" \
      "$(python3 "$bench/net-lifetime.py" kill9 tini -- "$kiln" --quiet --noprofile --net=eth0 sleep 30)"
    printf '| raw slirp4netns, --exit-fd | %s | %s (driver) |\n' \
      "$(python3 "$bench/net-lifetime.py" end -- python3 "$bench/net-usermode.py" slirp 65520 -- true)" \
      "$(python3 "$bench/net-lifetime.py" kill9 python3 -- python3 "$bench/net-usermode.py" slirp 65520 -- sleep 30)"
    printf '| raw pasta attached by pid, not stopped | %s | %s (driver) |\n' \
      "$(python3 "$bench/net-lifetime.py" end -- python3 "$bench/net-usermode.py" pasta 65520 -- true)" \
      "$(python3 "$bench/net-lifetime.py" kill9 python3 -- python3 "$bench/net-usermode.py" pasta 65520 -- sleep 30)"
    # shellcheck disable=SC2086
    printf '| pasta running bwrap | %s | %s (pasta); %s (bwrap) |\n' \
      "$(python3 "$bench/net-lifetime.py" end -- $PASTA -- $BWRAP_USER true)" \
      "$(python3 "$bench/net-lifetime.py" kill9 passt.avx2 -- $PASTA -- $BWRAP_USER sleep 30)" \
      "$(python3 "$bench/net-lifetime.py" kill9 bwrap -- $PASTA -- $BWRAP_USER sleep 30)"
  } > "$life"
}

stage_throughput() { # as the unprivileged user, in the stand-in host namespace
  local out=$1 url=http://10.67.0.1:8067/f100
  local dl="curl -sS --fail -o /dev/null -w %{speed_download} $url"
  # shellcheck disable=SC2086
  median() { for _ in 1 2 3; do "$@"; echo; done | sort -n | sed -n 2p; }
  # shellcheck disable=SC2086
  {
    printf '| no sandbox (same namespace as the server) | - | %s |\n' "$(median $dl)"
    for mtu in 65520 1500; do
      # NOTE: kiln refuses --mtu=65520 (Firejail's range, 576-9198), though it is slirp4netns' default and kiln's.
      local k=("$kiln" --quiet --noprofile --net=eth0)
      [ "$mtu" = 65520 ] || k+=(--mtu="$mtu")
      printf '| kiln --net=eth0 (slirp4netns) | %s | %s |\n' "$mtu" "$(median "${k[@]}" $dl)"
      printf '| raw slirp4netns | %s | %s |\n' "$mtu" "$(median python3 "$bench/net-usermode.py" slirp "$mtu" -- $dl)"
      printf '| pasta running bwrap | %s | %s |\n' "$mtu" "$(median $PASTA --mtu="$mtu" -- $BWRAP_USER $dl 2>/dev/null)"
      printf '| raw pasta attached | %s | %s |\n' "$mtu" "$(median python3 "$bench/net-usermode.py" pasta-stop "$mtu" -- $dl)"
    done
  } | awk -F' [|] ' '{ printf "%s | %s | %.1f |\n", $1, $2, $3 / 1e6 }' > "$out/throughput.txt"
}

case "${1:-}" in
  --root-inside) shift; stage_root "$@"; exit ;;
  --user-inside) shift; stage_user "$@"; exit ;;
  --throughput-inside) shift; stage_throughput "$@"; exit ;;
esac

runs=${1:-40}
slow=${2:-10}
[ "$(id -u)" = 0 ] || { echo "bench: run network.sh as root (it makes network namespaces and runs its user parts as $user)" >&2; exit 2; }
for tool in hyperfine bwrap firejail slirp4netns pasta arping curl python3 runuser ip; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 2; }
done
[ -x "$kiln" ] || { echo "bench: $kiln missing; run npm run build" >&2; exit 2; }
home=$(getent passwd "$user" | cut -d: -f6) || { echo "bench: no user $user" >&2; exit 2; }

out=$(mktemp -d)
chmod 755 "$out"
brns=kiln-bench-br-$$
hostns=kiln-bench-host-$$
server=
cleanup() {
  [ -z "$server" ] || { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  ip netns del "$brns" 2>/dev/null || true
  ip netns del "$hostns" 2>/dev/null || true
  rm -rf "$out"
}
trap cleanup EXIT
run_as=(runuser -u "$user" -- env -i HOME="$home" PATH=/usr/local/bin:/usr/bin:/bin LANG=C)

load_before=$(uptime)

# 1. Root: the bridge lives in a namespace of its own, and so do firejail's and kiln's veths' host ends.
ip netns add "$brns"
ip -n "$brns" link set lo up
ip -n "$brns" link add br0 type bridge
ip -n "$brns" addr add 10.66.0.1/24 dev br0
ip -n "$brns" link set br0 up
ip netns exec "$brns" "$self" --root-inside "$runs" "$slow" "$out"

# 2. Unprivileged.
install -d -o "$user" "$out/user"
"${run_as[@]}" "$self" --user-inside "$runs" "$out/user"

# PSS of each helper while its sandbox sleeps, read as root: pasta makes itself undumpable, so its user
# cannot read its smaps_rollup.
# shellcheck disable=SC2086
printf '| slirp4netns (kiln --net=eth0) | %s |\n| slirp4netns (raw) | %s |\n| pasta (attached) | %s |\n| pasta (running bwrap) | %s |\n' \
  "$(python3 "$bench/net-lifetime.py" pss -- "${run_as[@]}" "$kiln" --quiet --noprofile --net=eth0 sleep 2)" \
  "$(python3 "$bench/net-lifetime.py" pss -- "${run_as[@]}" python3 "$bench/net-usermode.py" slirp 65520 -- sleep 2)" \
  "$(python3 "$bench/net-lifetime.py" pss -- "${run_as[@]}" python3 "$bench/net-usermode.py" pasta-stop 65520 -- sleep 2)" \
  "$(python3 "$bench/net-lifetime.py" pss -- "${run_as[@]}" $PASTA -- $BWRAP_USER sleep 2)" > "$out/pss.txt"

# 3. Throughput, in a stand-in host namespace: a veth with the default route (pasta copies its address),
#    the server on an address of lo that is neither loopback nor the veth's.
ip netns add "$hostns"
ip -n "$hostns" link set lo up
ip -n "$hostns" addr add 10.67.0.1/32 dev lo
ip -n "$hostns" link add kb0 type veth peer name kb1
ip -n "$hostns" addr add 10.67.0.2/24 dev kb0
ip -n "$hostns" link set kb1 up
ip -n "$hostns" link set kb0 up
ip -n "$hostns" route add default via 10.67.0.254 dev kb0
install -d -m 755 "$out/www"
head -c 100000000 /dev/zero > "$out/www/f100"
chmod 644 "$out/www/f100"
ip netns exec "$hostns" python3 - "$out/www" <<'PY' &
import http.server, os, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    def copyfile(self, source, dest):  # sendfile: the server should not be what limits the rate
        self.wfile.flush()
        self.connection.sendfile(source)
    def log_message(self, *args):
        pass
os.chdir(sys.argv[1])
http.server.ThreadingHTTPServer(("10.67.0.1", 8067), Handler).serve_forever()
PY
server=$!
for _ in $(seq 100); do ip netns exec "$hostns" curl -s -o /dev/null http://10.67.0.1:8067/ && break; sleep 0.1; done
ip netns exec "$hostns" "${run_as[@]}" "$self" --throughput-inside "$out/user"

load_after=$(uptime)
python3 - "$out" <<PY
import glob, json, os, statistics, sys
out = sys.argv[1]
print("Machine: $(nproc) CPUs, $(uname -r); load before: ${load_before#*load }; after: ${load_after#*load }.")
print("Versions: $(kiln_v=$(git rev-parse --short HEAD); echo "kiln $kiln_v"), $(bwrap --version), firejail $(firejail --version | sed -n '1s/.*version //p'), slirp4netns $(slirp4netns --version | sed -n '1s/.*version //p'), passt $(dpkg-query -W -f '${Version}' passt).")
print()
titles = {
    "1-root-arp": "Root, bridge br0 in a private netns: the ARP-waiting launches ($slow runs)",
    "2-root-fast": "Root, same netns, arping hidden for the *-no-arping rows ($runs runs)",
    "3-user": "Unprivileged ($user), host netns ($runs runs)",
}
print("| section | command | wall ms (median) | CPU ms (all processes) | user | sys |")
print("|---|---|---:|---:|---:|---:|")
for path in sorted(glob.glob(f"{out}/**/*.hf.json", recursive=True)):
    tag = os.path.basename(path)[:-len(".hf.json")]
    hf = {r["command"]: r for r in json.load(open(path))["results"]}
    cpu = json.load(open(path.replace(".hf.json", ".cpu.json")))
    for n, r in hf.items():
        c = cpu[n]
        print(f"| {titles[tag]} | {n} | {statistics.median(r['times']) * 1000:.1f} | {c['user'] + c['system']:.1f} | {c['user']:.1f} | {c['system']:.1f} |")
print()
print("Processes left 1 s after the sandbox ended (normally; after SIGKILL of the launcher):")
print()
print("| launch | after a normal end | after kill -9 of |")
print("|---|---|---|")
print(open(f"{out}/user/lifetime.txt").read().rstrip())
print()
print("| helper | PSS kB while the sandbox sleeps |")
print("|---|---:|")
print(open(f"{out}/pss.txt").read().rstrip())
print()
print("| 100 MB download | MTU | MB/s (median of 3) |")
print("|---|---:|---:|")
print(open(f"{out}/user/throughput.txt").read().rstrip())
PY
