#!/usr/bin/env python3
"""Parse amlnet's Bicep output with an independent Bicep parser and print a JSON summary.

Usage: check_bicep.py FILE.bicep...

The parser is pycep (PyPI pycep-parser, the Lark grammar checkov uses for Bicep). A file it
cannot parse, or a missing module, exits non-zero, so the Rust test fails instead of passing
unchecked. pycep returns string literals with their escapes still in (`\\'`); they are undone
here so values compare equal to the IR's.

Summary per file, keyed by the path as given: {"parameters": {name: {"type", "default"}}, "resources": {symbol: {"type",
"api_version", "existing", "config"}}}, config being the resource body as plain JSON.
"""

import json
import re
import sys
from pathlib import Path

try:
  from pycep import BicepParser
except ImportError as e:  # a missing checker must fail, not skip
  print(f"check_bicep: cannot import pycep ({e}); run scripts/install-test-deps.sh", file=sys.stderr)
  sys.exit(3)

ESCAPE = re.compile(r"\\(.)")
SIMPLE = {"n": "\n", "r": "\r", "t": "\t"}


def unescape(value):
  if isinstance(value, str):
    return ESCAPE.sub(lambda m: SIMPLE.get(m.group(1), m.group(1)), value)
  if isinstance(value, list):
    return [unescape(v) for v in value]
  if isinstance(value, dict):
    return {k: unescape(v) for k, v in value.items()}
  return value


def summarize(path):
  doc = BicepParser().parse(file_path=Path(path))
  return {
    "parameters": {k: {"type": v.get("type"), "default": unescape(v.get("default"))} for k, v in doc.get("parameters", {}).items()},
    "resources": {
      k: {"type": v["type"], "api_version": v["api_version"], "existing": v["existing"], "config": unescape(v["config"])}
      for k, v in doc.get("resources", {}).items()
    },
  }


def main():
  if len(sys.argv) < 2:
    print(__doc__, file=sys.stderr)
    return 2
  out = {}
  for path in sys.argv[1:]:
    try:
      out[path] = summarize(path)
    except Exception as e:  # a parse error names the file and fails the run
      print(f"check_bicep: {path}: {e}", file=sys.stderr)
      return 1
  json.dump(out, sys.stdout, indent=1, sort_keys=True, default=str)
  print()
  return 0


if __name__ == "__main__":
  sys.exit(main())
