#!/usr/bin/env bash
# Installs what the tests need, only when it is missing: Debian packages listed in
# scripts/deps/apt.txt (command to probe, package) and Python packages in
# scripts/deps/pip.txt (module to import, requirement). Idempotent and quiet when
# everything is present.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

missing_apt=()
while read -r probe pkg; do
  [[ -z "${probe:-}" || "$probe" == \#* ]] && continue
  command -v "$probe" >/dev/null 2>&1 || [[ -x "/usr/sbin/$probe" ]] || missing_apt+=("$pkg")
done < "$here/deps/apt.txt"
if ((${#missing_apt[@]})); then
  echo "installing Debian packages: ${missing_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing_apt[@]}" >/dev/null
fi

missing_pip=()
while read -r module req; do
  [[ -z "${module:-}" || "$module" == \#* ]] && continue
  python3 -c "import $module" >/dev/null 2>&1 || missing_pip+=("$req")
done < "$here/deps/pip.txt"
if ((${#missing_pip[@]})); then
  echo "installing Python packages: ${missing_pip[*]}"
  python3 -m pip install -q --disable-pip-version-check "${missing_pip[@]}"
fi
