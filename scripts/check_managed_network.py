#!/usr/bin/env python3
"""Parse amlnet's managed-network workspace YAML with PyYAML and check its shape.

Usage: check_managed_network.py workspace.yml

Checks the `managed_network` schema of the Azure ML CLI (v2) workspace YAML as amlnet's
reference describes it: isolation_mode one of the three modes; outbound_rules a list of
uniquely named rules of type fqdn (destination a string), service_tag (destination with
exactly service_tag, protocol in TCP/UDP/ICMP/*, port_ranges ONE string of comma-separated
ports or ranges in 0-65535) or private_endpoint (destination with service_resource_id, an ARM
resource ID, subresource_target and boolean spark_enabled); under allow_internet_outbound only
private_endpoint rules. Prints {"document": ..., "problems": [...]} and exits 1 on any
problem, 3 when PyYAML is missing.
"""

import json
import re
import sys

try:
  import yaml
except ImportError as e:  # a missing checker must fail, not skip
  print(f"check_managed_network: cannot import yaml ({e}); run scripts/install-test-deps.sh", file=sys.stderr)
  sys.exit(3)

MODES = {"disabled", "allow_internet_outbound", "allow_only_approved_outbound"}
ARM_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/[A-Za-z.]+/[A-Za-z]+/[^/]+$")
PORT = re.compile(r"^(\*|\d{1,5}(-\d{1,5})?)$")


def check(doc):
  problems = []
  if not isinstance(doc, dict) or set(doc) - {"name", "location", "managed_network"}:
    return [f"top level: expected name, location, managed_network, got {doc!r:.200}"]
  if not isinstance(doc.get("name"), str) or not doc["name"]:
    problems.append("name: a non-empty string is required")
  mn = doc.get("managed_network")
  if not isinstance(mn, dict) or set(mn) - {"isolation_mode", "outbound_rules", "firewall_sku"}:
    return problems + [f"managed_network: unexpected shape {mn!r:.200}"]
  mode = mn.get("isolation_mode")
  if mode not in MODES:
    problems.append(f"isolation_mode: {mode!r} is not one of {sorted(MODES)}")
  rules = mn.get("outbound_rules", [])
  if not isinstance(rules, list):
    return problems + ["outbound_rules: must be a list"]
  names = set()
  for i, r in enumerate(rules):
    at = f"outbound_rules[{i}]"
    if not isinstance(r, dict) or set(r) != {"name", "type", "destination"}:
      problems.append(f"{at}: expected exactly name, type, destination: {r!r:.200}")
      continue
    if not isinstance(r["name"], str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", r["name"]):
      problems.append(f"{at}.name: {r['name']!r} is not a plain rule name")
    if r["name"] in names:
      problems.append(f"{at}.name: {r['name']!r} is not unique")
    names.add(r["name"])
    kind, dest = r["type"], r["destination"]
    if mode == "allow_internet_outbound" and kind != "private_endpoint":
      problems.append(f"{at}: {kind} rules are not valid under allow_internet_outbound")
    if kind == "fqdn":
      if not isinstance(dest, str) or not dest or " " in dest:
        problems.append(f"{at}.destination: an FQDN string is required, got {dest!r}")
    elif kind == "service_tag":
      if not isinstance(dest, dict) or set(dest) != {"service_tag", "protocol", "port_ranges"}:
        problems.append(f"{at}.destination: expected service_tag, protocol, port_ranges: {dest!r}")
        continue
      if dest["protocol"] not in {"TCP", "UDP", "ICMP", "*"}:
        problems.append(f"{at}.destination.protocol: {dest['protocol']!r}")
      ports = dest["port_ranges"]
      if not isinstance(ports, str):
        problems.append(f"{at}.destination.port_ranges: must be one string, got {type(ports).__name__}")
        continue
      for part in ports.split(","):
        part = part.strip()
        ok = PORT.match(part) and all(int(p) <= 65535 for p in part.split("-") if p != "*")
        if not ok:
          problems.append(f"{at}.destination.port_ranges: {part!r} is not a port or range")
    elif kind == "private_endpoint":
      if not isinstance(dest, dict) or set(dest) != {"service_resource_id", "subresource_target", "spark_enabled"}:
        problems.append(f"{at}.destination: expected service_resource_id, subresource_target, spark_enabled: {dest!r}")
        continue
      if not isinstance(dest["service_resource_id"], str) or not ARM_ID.match(dest["service_resource_id"]):
        problems.append(f"{at}.destination.service_resource_id: not an ARM resource ID: {dest['service_resource_id']!r}")
      if not isinstance(dest["subresource_target"], str) or not dest["subresource_target"]:
        problems.append(f"{at}.destination.subresource_target: a string is required")
      if not isinstance(dest["spark_enabled"], bool):
        problems.append(f"{at}.destination.spark_enabled: a boolean is required")
    else:
      problems.append(f"{at}.type: {kind!r} is not fqdn, service_tag or private_endpoint")
  return problems


def main():
  if len(sys.argv) != 2:
    print(__doc__, file=sys.stderr)
    return 2
  with open(sys.argv[1], encoding="utf-8") as f:
    doc = yaml.safe_load(f)
  problems = check(doc)
  json.dump({"document": doc, "problems": problems}, sys.stdout, indent=1, sort_keys=True)
  print()
  return 1 if problems else 0


if __name__ == "__main__":
  sys.exit(main())
