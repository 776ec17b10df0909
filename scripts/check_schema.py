#!/usr/bin/env python3
"""Validate profiles against amlnet's JSON Schema with an independent validator.

Usage: check_schema.py SCHEMA.json PROFILE.toml...

Each profile is parsed by Python's own TOML reader (tomllib) and validated by the
`jsonschema` package (the validator class the schema's $schema names). Prints a JSON
report {"PROFILE.toml": [{"path": "a/b", "key": "b", "message": "..."}...]} with every
error of every profile (an empty list for a valid one), and exits 0; 3 when jsonschema is
missing (a missing checker fails, never skips). `key` is the key the error is about: the
last key of its path or, for an unknown key, the key that is not allowed.
"""

import json
import re
import sys
import tomllib

try:
  import jsonschema
except ImportError as e:
  print(f"missing module: {e}", file=sys.stderr)
  sys.exit(3)


def key_of(error):
  if error.validator == "additionalProperties":
    found = re.findall(r"'([^']+)' was unexpected", error.message)
    if found:
      return found[0]
  names = [p for p in error.absolute_path if isinstance(p, str)]
  return names[-1] if names else ""


def main():
  with open(sys.argv[1], encoding="utf-8") as f:
    schema = json.load(f)
  validator_class = jsonschema.validators.validator_for(schema)
  validator_class.check_schema(schema)
  validator = validator_class(schema)
  report = {}
  for path in sys.argv[2:]:
    with open(path, "rb") as f:
      try:
        doc = tomllib.load(f)
      except tomllib.TOMLDecodeError as e:
        report[path] = [{"path": "", "key": "", "message": f"TOML: {e}"}]
        continue
    report[path] = [
      {
        "path": "/".join(str(p) for p in error.absolute_path),
        "key": key_of(error),
        "message": error.message,
      }
      for error in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    ]
  json.dump(report, sys.stdout, indent=1)
  print()


main()
