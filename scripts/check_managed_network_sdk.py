#!/usr/bin/env python3
"""Load amlnet's managed-network workspace YAML with the Azure ML SDK and print what it sends.

Usage: check_managed_network_sdk.py workspace.yml [more.yml ...]

Each file goes through `azure.ai.ml.load_workspace` (the Azure ML CLI v2 workspace schema,
the one `az ml workspace update --file` applies) and `ws.managed_network._to_rest_object()`
(the body the service receives). Prints one JSON object, file -> {"isolation_mode",
"firewall_sku", "rules": [...]} with each rule's name, type, category and destination fields
(fqdn, service_tag, protocol, port_ranges, service_resource_id, subresource_target,
spark_enabled), or file -> {"error": "..."} when the SDK refuses the file. The schema drops
some unknown keys without a word (e.g. a misspelled key beside `isolation_mode`), so the
caller compares these rules with what it meant to write. Exits 0 when every file loads, 1
otherwise, 3 when azure-ai-ml is missing.
"""

import json
import logging
import sys
import warnings

try:
  from azure.ai.ml import load_workspace
except ImportError as e:  # a missing checker must fail, not skip
  print(f"check_managed_network_sdk: cannot import azure.ai.ml ({e}); run scripts/install-test-deps.sh", file=sys.stderr)
  sys.exit(3)


def rule_of(name, rest):
  """One REST outbound rule (azure.ai.ml's generated model) as plain fields."""
  d = rest.as_dict()
  dest = d.get("destination")
  out = {"name": name, "type": d.get("type"), "category": d.get("category")}
  if isinstance(dest, dict):
    for key, field in [
      ("serviceTag", "service_tag"),
      ("protocol", "protocol"),
      ("portRanges", "port_ranges"),
      ("serviceResourceId", "service_resource_id"),
      ("subresourceTarget", "subresource_target"),
      ("sparkEnabled", "spark_enabled"),
    ]:
      if key in dest:
        out[field] = dest[key]
    # Anything else the SDK sends is reported, so a comparison sees it.
    extra = sorted(set(dest) - {"serviceTag", "protocol", "portRanges", "serviceResourceId", "subresourceTarget", "sparkEnabled"})
    if extra:
      out["other"] = {k: dest[k] for k in extra}
  elif dest is not None:
    out["fqdn"] = dest
  return out


def load(path):
  ws = load_workspace(path)
  if ws.managed_network is None:
    return {"isolation_mode": None, "firewall_sku": None, "rules": []}
  rest = ws.managed_network._to_rest_object()
  rules = rest.outbound_rules or {}
  return {
    "workspace": ws.name,
    "location": ws.location,
    "isolation_mode": rest.isolation_mode,
    "firewall_sku": rest.firewall_sku,
    "rules": [rule_of(name, r) for name, r in sorted(rules.items())],
  }


def main():
  if len(sys.argv) < 2:
    print(__doc__, file=sys.stderr)
    return 2
  # The SDK warns that firewall_sku is experimental; that is not a finding.
  warnings.simplefilter("ignore")
  logging.disable(logging.WARNING)
  report, failed = {}, False
  for path in sys.argv[1:]:
    try:
      report[path] = load(path)
    except Exception as e:  # the SDK's refusal is the finding: report it, do not crash
      report[path] = {"error": f"{type(e).__name__}: {e}"}
      failed = True
  json.dump(report, sys.stdout, indent=1, sort_keys=True)
  print()
  return 1 if failed else 0


if __name__ == "__main__":
  sys.exit(main())
