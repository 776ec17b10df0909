#!/usr/bin/env bash
# Installs what the tests need, only when it is missing: Debian packages listed in
# scripts/deps/apt.txt (command to probe, package), and the Python packages in
# scripts/deps/pip.txt (module to import, requirement) into the project's own .venv/
# (Debian's Python refuses global pip installs). Idempotent and quiet when everything is
# present; uses sudo only when not root. Never touches the system's Python packages.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deps=$root/scripts/deps
venv=$root/.venv

as_root() {
  if ((EUID == 0)); then "$@"; else sudo "$@"; fi
}

missing_apt=()
while read -r probe pkg; do
  [[ -z "${probe:-}" || "$probe" == \#* ]] && continue
  command -v "$probe" >/dev/null 2>&1 || [[ -x "/usr/sbin/$probe" ]] || missing_apt+=("$pkg")
done <"$deps/apt.txt"
# `python3 -m venv` needs ensurepip, which Debian ships separately in python3-venv.
if ! "$venv/bin/python3" -c '' >/dev/null 2>&1 && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing_apt+=(python3-venv)
fi
if ((${#missing_apt[@]})); then
  echo "installing Debian packages: ${missing_apt[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing_apt[@]}" >/dev/null
fi

# A venv whose interpreter no longer runs (Python upgraded or removed) is made again.
if ! "$venv/bin/python3" -c '' >/dev/null 2>&1; then
  echo "creating $venv"
  python3 -m venv --clear "$venv"
fi

missing_pip=()
while read -r module req; do
  [[ -z "${module:-}" || "$module" == \#* ]] && continue
  "$venv/bin/python3" -c "import $module" >/dev/null 2>&1 || missing_pip+=("$req")
done <"$deps/pip.txt"
if ((${#missing_pip[@]})); then
  echo "installing Python packages into .venv: ${missing_pip[*]}"
  "$venv/bin/python3" -m pip install -q --disable-pip-version-check "${missing_pip[@]}"
fi
