#!/usr/bin/env python3
"""Feed az CLI calls to the real Azure CLI's parser, in one process.

Usage: check_azcli.py < calls.json

Reads a JSON list of calls (each the argument list after `az`) and runs each through the
Azure CLI's own entry point (`azure.cli.core.get_default_cli().invoke`), the one the `az`
command runs, so every call is parsed and validated exactly as `az` would: command words,
argument names, choice values, types. Without a login a call that parses stops at the
subscription with "Please run 'az login'"; anything else (unknown argument, bad choice,
misspelled command) fails differently. Prints a JSON list, one {"code", "stderr"} per call,
in order. Run it with the interpreter of .venv/azure-cli/ and AZURE_CONFIG_DIR set to a
scratch directory (the caller's job), so no user configuration is read or written; the
CLI's version check is switched off, so nothing goes to the network. Exits 3
when azure-cli is missing.
"""

import io
import json
import sys

try:
  import azure.cli.core.util
  from azure.cli.core import get_default_cli
except ImportError as e:  # a missing checker must fail, not skip
  print(f"check_azcli: cannot import azure.cli.core ({e}); run scripts/install-test-deps.sh", file=sys.stderr)
  sys.exit(3)


def main():
  calls = json.load(sys.stdin)
  # A first start with an empty configuration asks the CLI's release storage for the latest
  # version; offline that waits for timeouts. Parsing needs no network, so none is tried.
  azure.cli.core.util.check_connectivity = lambda *args, **kwargs: False
  real_stdout = sys.stdout
  # The CLI's logger binds to the sys.stderr it finds when it first starts, so one buffer
  # stays in place for the whole run and is emptied before each call.
  err = io.StringIO()
  sys.stderr = err
  sys.stdout = io.StringIO()
  results = []
  for args in calls:
    err.seek(0)
    err.truncate()
    try:
      code = get_default_cli().invoke(args, out_file=io.StringIO())
    except SystemExit as e:  # argparse errors exit 2
      code = e.code if isinstance(e.code, int) else 1
    results.append({"code": code, "stderr": err.getvalue()})
  sys.stdout = real_stdout
  json.dump(results, real_stdout, indent=1)
  print(file=real_stdout)
  return 0


if __name__ == "__main__":
  sys.exit(main())
