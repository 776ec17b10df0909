#!/usr/bin/env python3
"""Parse amlnet's Terraform output with an independent HCL2 parser and print a JSON summary.

Usage: check_terraform.py DIR   (DIR holds main.tf and variables.tf)

The parser is the `hcl2` module of PyPI's bc-python-hcl2 (the python-hcl2 fork that checkov
depends on; both packages install a top-level `hcl2` module and cannot share one environment,
see docs/deploy.md). A file it cannot parse, or a missing module, exits non-zero: the Rust
test then fails rather than passing unchecked.

The summary lists every resource by type with its attributes (values unwrapped from the
parser's one-element lists, `${...}` expression markers kept), every variable, and the
firewall rule collections; tests/checkers.rs compares it with the IR.
"""

import json
import sys
from pathlib import Path

try:
  import hcl2
except ImportError as e:  # a missing checker must fail, not skip
  print(f"check_terraform: cannot import hcl2 ({e}); run scripts/install-test-deps.sh", file=sys.stderr)
  sys.exit(3)

META = {"__start_line__", "__end_line__"}


def unwrap(value):
  """Blocks are lists of dicts and stay lists; an attribute value comes as [value]."""
  if isinstance(value, dict):
    return {k: unwrap_field(v) for k, v in value.items() if k not in META}
  return value


def unwrap_field(value):
  if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
    return [unwrap(v) for v in value]
  if isinstance(value, list) and len(value) == 1:
    return unwrap(value[0])
  return unwrap(value)


def load(path):
  with open(path, encoding="utf-8") as f:
    return hcl2.load(f)


def main():
  if len(sys.argv) != 2:
    print(__doc__, file=sys.stderr)
    return 2
  root = Path(sys.argv[1])
  summary = {"parser": f"hcl2 {getattr(hcl2, '__version__', '?')}", "resources": {}, "variables": {}, "other_blocks": []}
  for name in ("main.tf", "variables.tf"):
    doc = load(root / name)
    for kind, entries in doc.items():
      for entry in entries:
        if kind == "resource":
          for rtype, by_label in entry.items():
            for label, body in by_label.items():
              summary["resources"].setdefault(rtype, {})
              if label in summary["resources"][rtype]:
                print(f"check_terraform: duplicate resource {rtype}.{label}", file=sys.stderr)
                return 1
              summary["resources"][rtype][label] = unwrap(body)
        elif kind == "variable":
          for vname, body in entry.items():
            summary["variables"][vname] = unwrap(body)
        else:
          summary["other_blocks"].append(kind)
  json.dump(summary, sys.stdout, indent=1, sort_keys=True)
  print()
  return 0


if __name__ == "__main__":
  sys.exit(main())
