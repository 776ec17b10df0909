#!/usr/bin/env python3
"""Parse amlnet's Terraform output with an independent HCL2 parser and print a JSON summary.

Usage: check_terraform.py DIR...   (each DIR holds main.tf and variables.tf)

The parser is the `hcl2` module of PyPI's bc-python-hcl2 (the python-hcl2 fork that checkov
depends on; both packages install a top-level `hcl2` module and cannot share one environment,
see docs/deploy.md). A file it cannot parse, or a missing module, exits non-zero: the Rust
test then fails rather than passing unchecked.

The summary, one per DIR keyed by the DIR as given, lists every resource by type and label
with its attributes (values unwrapped from the parser's one-element lists, `${...}`
expression markers kept), every data source the same way, every variable and any other top-level block; tests/checkers.rs
compares it with the IR. A duplicate resource label is an error.
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


def summarize(root):
  summary = {"resources": {}, "data": {}, "variables": {}, "other_blocks": []}
  for name in ("main.tf", "variables.tf"):
    doc = load(root / name)
    for kind, entries in doc.items():
      for entry in entries:
        if kind == "resource":
          for rtype, by_label in entry.items():
            for label, body in by_label.items():
              summary["resources"].setdefault(rtype, {})
              if label in summary["resources"][rtype]:
                raise ValueError(f"duplicate resource {rtype}.{label} in {root}")
              summary["resources"][rtype][label] = unwrap(body)
        elif kind == "data":
          for dtype, by_label in entry.items():
            for label, body in by_label.items():
              summary["data"].setdefault(dtype, {})
              if label in summary["data"][dtype]:
                raise ValueError(f"duplicate data source {dtype}.{label} in {root}")
              summary["data"][dtype][label] = unwrap(body)
        elif kind == "variable":
          for vname, body in entry.items():
            summary["variables"][vname] = unwrap(body)
        else:
          summary["other_blocks"].append(kind)
  return summary


def main():
  if len(sys.argv) < 2:
    print(__doc__, file=sys.stderr)
    return 2
  out = {"parser": f"hcl2 {getattr(hcl2, '__version__', '?')}", "dirs": {}}
  for d in sys.argv[1:]:
    try:
      out["dirs"][d] = summarize(Path(d))
    except Exception as e:  # a parse error names the file and fails the run
      print(f"check_terraform: {d}: {e}", file=sys.stderr)
      return 1
  json.dump(out, sys.stdout, indent=1, sort_keys=True)
  print()
  return 0


if __name__ == "__main__":
  sys.exit(main())
