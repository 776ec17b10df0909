#!/usr/bin/env bash
# Fails when a golden/**/*.snap file was not asserted by the test run that wrote REFS.
# REFS is insta's list of every snapshot file an assertion touched
# (INSTA_SNAPSHOT_REFERENCES_FILE, the record `cargo insta test --unreferenced=reject` uses);
# it is only meaningful after a full, passing `cargo test`. Reads; never deletes.
set -euo pipefail
cd "$(dirname "$0")/.."
refs=${1:?usage: $0 REFS (written by INSTA_SNAPSHOT_REFERENCES_FILE=REFS cargo test)}
[[ -s "$refs" ]] || { echo "$refs is empty: no snapshot was asserted" >&2; exit 1; }
orphans=$(comm -23 \
  <(find golden -name '*.snap' | sort) \
  <(xargs -d '\n' realpath -m --relative-to=. <"$refs" | sort -u))
if [[ -n "$orphans" ]]; then
  echo "snapshots no test asserts (delete them with git rm, or restore the test):" >&2
  echo "$orphans" >&2
  exit 1
fi
