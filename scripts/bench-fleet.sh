#!/usr/bin/env bash
# Whole-process timings of fleets of generated workspaces (scripts/gen-fleet.py: three
# scenarios in four regions, `ip_groups = "per-rule-set"`) with the release binary:
# `amlnet compile FLEET --out DIR`, every artifact written. Wall time and peak resident
# memory from /usr/bin/time, best of 3, each run into a new directory, on two file systems:
#   memory: a tmpfs (/dev/shm), what the compile and the writes cost amlnet and the kernel;
#   disk:   the working tree's file system, syncfs included.
# Directories are removed only when the script exits: on ext4 without a journal (this
# machine's root), creating inodes within minutes (up to five) of deleting many is slow in
# the kernel (each recently freed inode is looked at and skipped), which would measure the
# previous run's clean-up instead. Run it after a few idle minutes for the disk column.
# Prints a Markdown table for README.md § Performance. Usage: scripts/bench-fleet.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-target/bench-fleet-sh}
bin=target/release/amlnet
[ -x "$bin" ] || cargo build --release -q
[ -e "$work" ] && { echo "$work exists (a run still going, or one killed): remove it first" >&2; exit 2; }
mkdir -p "$work"
shm=""
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  shm=$(mktemp -d /dev/shm/amlnet-bench.XXXXXX)
fi
trap 'rm -rf "$work"; [ -n "$shm" ] && rm -rf "$shm"' EXIT
n_run=0
best() { # dir, then the command (OUT stands for a new output directory); prints "wall MB"
  local dir=$1; shift
  local best="" mem=""
  for _ in 1 2 3; do
    n_run=$((n_run + 1))
    local out="$dir/out-$n_run"
    local args=("${@/OUT/$out}")
    /usr/bin/time -f '%e %M' -o "$work/time" "${args[@]}" >/dev/null 2>"$work/stderr" || {
      echo "failed: ${args[*]}" >&2; cat "$work/stderr" >&2; exit 1; }
    read -r wall kb < <(tail -1 "$work/time")
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall; mem=$kb; fi
  done
  printf '%s %.0f' "$best" "$(awk "BEGIN{print $mem/1024}")"
}
row() { # label, then the command
  local label=$1; shift
  local disk mem_fs
  disk=$(best "$work" "$@")
  if [ -n "$shm" ]; then mem_fs=$(best "$shm" "$@"); else mem_fs="- -"; fi
  read -r dwall dmb <<<"$disk"
  read -r mwall _ <<<"$mem_fs"
  printf '| %s | %s | %s | %s |\n' "$label" "$mwall" "$dwall" "$dmb"
}
echo "| run | wall, tmpfs (s) | wall, disk (s) | peak memory (MB) |"
echo "|---|---|---|---|"
row "one profile (training-no-public-ip)" "$bin" compile profiles/training-no-public-ip.toml --out OUT
row "fleets/contoso-hub.toml (4)" "$bin" compile fleets/contoso-hub.toml --out OUT
for n in 10 100 1000; do
  python3 scripts/gen-fleet.py "$n" "$work/g$n" >/dev/null
  row "fleet of $n" "$bin" compile "$work/g$n/fleet.toml" --out OUT
done
row "1000 profiles, no hub" "$bin" compile "$work"/g1000/ws/*.toml --out OUT
