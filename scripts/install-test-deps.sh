#!/usr/bin/env bash
# Installs what the tests need, only when it is missing: Debian packages listed in
# scripts/deps/apt.txt (command to probe, package), and the Python packages in
# scripts/deps/pip.txt (module to import, requirement) into the project's own .venv/, and
# the Azure CLI (scripts/deps/pip-azure-cli.txt) into a venv of its own, .venv/azure-cli/
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

# Installs into the venv $1 each requirement of the deps file $2 whose module does not import.
install_missing() {
  local venv=$1 list=$2 missing=() module req
  while read -r module req; do
    [[ -z "${module:-}" || "$module" == \#* ]] && continue
    "$venv/bin/python3" -c "import $module" >/dev/null 2>&1 || missing+=("$req")
  done <"$list"
  if ((${#missing[@]})); then
    echo "installing Python packages into ${venv#"$root"/}: ${missing[*]}"
    "$venv/bin/python3" -m pip install -q --disable-pip-version-check "${missing[@]}"
  fi
}
install_missing "$venv" "$deps/pip.txt"

# The real Azure CLI, which tests/consumers.rs feeds every call of azcli/deploy.sh, in a venv
# inside .venv/ (see pip-azure-cli.txt for why not .venv itself).
if ! "$venv/azure-cli/bin/python3" -c '' >/dev/null 2>&1; then
  echo "creating $venv/azure-cli"
  python3 -m venv --clear "$venv/azure-cli"
fi
install_missing "$venv/azure-cli" "$deps/pip-azure-cli.txt"
