#!/usr/bin/env bash
# --ids-init and --ids-check on the real /etc/firejail/ids.config, kiln against Firejail, in hyperfine
# (warm page cache; both hash the same 1,355-odd files as root on Debian 12).
#   bench/ids.sh [runs]     (as root; as a user it times kiln only)
# kiln's database goes to a temporary file (KILN_IDS_DB). Firejail's --ids-init writes its own database,
# /var/lib/firejail/$USER.ids: the script keeps a copy of one that existed and puts it back, or removes
# what Firejail created (the file, and /var/lib/firejail itself if that did not exist either).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed" >&2; exit 2; }
out=$(mktemp -d)
export KILN_IDS_DB="$out/kiln-ids.json"

fj=0
if command -v firejail >/dev/null && [ "$(id -u)" = 0 ]; then fj=1; fi
fjdir=/var/lib/firejail
fjdb="$fjdir/$(id -un).ids"
dir_existed=0; db_existed=0
[ -e "$fjdir" ] && dir_existed=1
[ -e "$fjdb" ] && { db_existed=1; cp -a "$fjdb" "$out/firejail.ids.saved"; }
restore() {
  if [ "$fj" = 1 ]; then
    if [ "$db_existed" = 1 ]; then cp -a "$out/firejail.ids.saved" "$fjdb"; else rm -f "$fjdb"; fi
    if [ "$dir_existed" = 0 ]; then rmdir "$fjdir" 2>/dev/null || true; fi
  fi
  rm -rf "$out"
}
trap restore EXIT

./dist/kiln --quiet --ids-init
cmds=(-n kiln-init "./dist/kiln --quiet --ids-init" -n kiln-check "./dist/kiln --quiet --ids-check")
if [ "$fj" = 1 ]; then
  firejail --ids-init >/dev/null
  cmds+=(-n firejail-init "firejail --ids-init" -n firejail-check "firejail --ids-check")
else
  echo "bench: comparing with Firejail needs firejail and root; timing kiln only" >&2
fi
hyperfine -N --warmup 2 --runs "$runs" --export-json "$out/ids.json" "${cmds[@]}" >/dev/null
python3 - "$out/ids.json" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f'{r["command"]:16} median {r["median"]*1000:7.1f} ms   user+sys (mean) {(r["user"]+r["system"])*1000:7.1f} ms')
EOF
