#!/usr/bin/env bash
# Whole-process timings of fleets of generated workspaces (scripts/gen-fleet.py) with the
# release binary: `amlnet compile FLEET --out DIR` (every artifact written), wall time and peak
# resident memory from /usr/bin/time, best of 3. 1,000 workspaces exceed Azure Firewall's 200
# IP Groups per firewall, so the 1,000 fleet is refused (FLT010, nothing written); the same
# 1,000 profiles without a hub (`compile ws/*.toml --out`) write every spoke's artifacts.
# Prints a Markdown table for README.md § Performance. Usage: scripts/bench-fleet.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-target/bench-fleet-sh}
bin=target/release/amlnet
[ -x "$bin" ] || cargo build --release -q
rm -rf "$work" && mkdir -p "$work"
measure() { # label, then the command; prints "| label | wall s | peak MB | exit |"
  local label=$1; shift
  local best="" mem="" code=0
  for _ in 1 2 3; do
    rm -rf "$work/out"
    code=0
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || code=$?
    read -r wall kb < <(tail -1 "$work/time")
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall; mem=$kb; fi
  done
  printf '| %s | %s | %.0f | %s |\n' "$label" "$best" "$(awk "BEGIN{print $mem/1024}")" "$code"
}
echo "| run | wall (s) | peak memory (MB) | exit |"
echo "|---|---|---|---|"
measure "one profile (training-no-public-ip)" "$bin" compile profiles/training-no-public-ip.toml --out "$work/out"
measure "fleets/contoso-hub.toml (4)" "$bin" compile fleets/contoso-hub.toml --out "$work/out"
for n in 10 100 200 1000; do
  python3 scripts/gen-fleet.py "$n" "$work/g$n"
  measure "fleet of $n" "$bin" compile "$work/g$n/fleet.toml" --out "$work/out"
done
measure "1000 profiles, no hub" "$bin" compile "$work"/g1000/ws/*.toml --out "$work/out"
