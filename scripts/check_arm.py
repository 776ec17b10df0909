#!/usr/bin/env python3
"""Check amlnet's ARM templates against the Azure SDK's own models.

Usage: check_arm.py TEMPLATE.json...

Each resource's `properties` (with `name` and `location`, which the models also carry) is
deserialized into the SDK model for its type: azure-mgmt-network for network security groups,
route tables, subnets, IP Groups and firewall policy rule collection groups (rule collections and rules resolved through the
SDK's own discriminators, ruleCollectionType and ruleType), azure-mgmt-privatedns for private
DNS zones, virtual network links and A record sets. Then every key of the input is looked up
in the model it landed in, recursively:

  unknown   a key the model has no field for (a typo, or a property of another API version)
  readonly  a key the model only returns (provisioningState, ...): a template must not send it
  missing   a field the model marks required that the input lacks
  type      a value of the wrong JSON type for its field
  enum      a value outside the field's known values (the SDK enums; ARM is case-sensitive
            for several of them)

Prints a JSON report {"checked": {type: count}, "problems": [...]} and exits 1 when there is
any problem, 3 when the SDK packages are missing (a missing checker fails, never skips).
"""

import enum
import json
import sys

try:
  from azure.mgmt.network import models as network
  from azure.mgmt.privatedns import models as privatedns
except ImportError as e:
  print(f"check_arm: cannot import the Azure SDK models ({e}); run scripts/install-test-deps.sh", file=sys.stderr)
  sys.exit(3)

MODELS = {
  "Microsoft.Network/networkSecurityGroups": (network, network.NetworkSecurityGroup),
  "Microsoft.Network/networkSecurityGroups/securityRules": (network, network.SecurityRule),
  "Microsoft.Network/firewallPolicies/ruleCollectionGroups": (network, network.FirewallPolicyRuleCollectionGroup),
  "Microsoft.Network/ipGroups": (network, network.IpGroup),
  "Microsoft.Network/routeTables": (network, network.RouteTable),
  "Microsoft.Network/virtualNetworks/subnets": (network, network.Subnet),
  "Microsoft.Network/privateDnsZones": (privatedns, privatedns.PrivateZone),
  "Microsoft.Network/privateDnsZones/virtualNetworkLinks": (privatedns, privatedns.VirtualNetworkLink),
  "Microsoft.Network/privateDnsZones/A": (privatedns, privatedns.RecordSet),
}
# Template-level keys that are deployment syntax, not resource body: `name` is the resource's
# path (read-only in the body models), the others steer the deployment.
TEMPLATE_ONLY = {"name", "type", "apiVersion", "dependsOn", "condition", "copy", "comments", "scope"}


def annotations(cls):
  out = {}
  for klass in reversed(cls.__mro__):
    out.update(getattr(klass, "__annotations__", {}))
  return out


def enum_class(module, ann_text):
  for token in ann_text.replace("'", " ").replace('"', " ").replace("[", " ").replace("]", " ").replace(",", " ").split():
    name = token.split(".")[-1].rstrip(")")
    candidate = getattr(module, name, None)
    if isinstance(candidate, type) and issubclass(candidate, enum.Enum):
      return candidate
  return None


def check_value(module, ann_text, value, path, problems):
  if value is None:
    return
  expect = None
  if "list[" in ann_text or "List[" in ann_text:
    expect = list
  elif "dict[" in ann_text or "Dict[" in ann_text:
    expect = dict
  elif "bool" in ann_text:
    expect = bool
  elif "int" in ann_text and "_models" not in ann_text:
    expect = int
  elif "str" in ann_text and "_models" not in ann_text:
    expect = str
  if expect is int and isinstance(value, bool):
    problems.append({"kind": "type", "path": path, "detail": f"bool where int expected ({ann_text})"})
  elif expect is not None and not isinstance(value, expect):
    problems.append({"kind": "type", "path": path, "detail": f"{type(value).__name__} where {expect.__name__} expected ({ann_text})"})
  values = enum_class(module, ann_text)
  if values is not None:
    items = value if isinstance(value, list) else [value]
    known = {m.value for m in values}
    for item in items:
      if isinstance(item, str) and item not in known:
        problems.append({"kind": "enum", "path": path, "detail": f"{item!r} not in {values.__name__} {sorted(known)}"})


def walk(module, obj, path, problems):
  """obj: an SDK model instance built from raw JSON; its items() are the raw keys."""
  cls = type(obj)
  fields = {rf._rest_name: (attr, rf) for attr, rf in cls._attr_to_rest_field.items()}
  anns = annotations(cls)
  for key in list(obj.keys()):
    here = f"{path}.{key}"
    if key not in fields:
      problems.append({"kind": "unknown", "path": here, "detail": f"{cls.__name__} has no field {key!r}"})
      continue
    attr, rf = fields[key]
    visibility = getattr(rf, "_visibility", None) or []
    if visibility and set(visibility) <= {"read"}:
      problems.append({"kind": "readonly", "path": here, "detail": f"{cls.__name__}.{attr} is read-only"})
    ann_text = str(anns.get(attr, ""))
    raw = obj[key]
    try:
      value = getattr(obj, attr)
    except Exception as e:  # deserialization failure is a finding, not a crash
      problems.append({"kind": "type", "path": here, "detail": f"cannot deserialize: {e}"})
      continue
    if "_models" not in ann_text or isinstance(raw, (str, int, bool)) or (isinstance(raw, list) and all(isinstance(x, (str, int)) for x in raw)):
      check_value(module, ann_text, raw, here, problems)
    items = value if isinstance(value, list) else [value]
    for i, item in enumerate(items):
      if hasattr(item, "_attr_to_rest_field"):
        walk(module, item, f"{here}[{i}]" if isinstance(value, list) else here, problems)
  for attr, rf in cls._attr_to_rest_field.items():
    ann_text = str(anns.get(attr, ""))
    visibility = getattr(rf, "_visibility", None) or []
    # Optional[Union[a, b]] prints as Union[a, b, NoneType]: both spellings mean optional.
    optional = "Optional" in ann_text or "NoneType" in ann_text
    required = not optional and ann_text != "" and not (visibility and set(visibility) <= {"read"})
    if required and not getattr(rf, "_is_discriminator", False) and rf._rest_name not in obj.keys():
      problems.append({"kind": "missing", "path": f"{path}.{rf._rest_name}", "detail": f"{cls.__name__}.{attr} is required"})


def main(paths):
  checked = {}
  problems = []
  for p in paths:
    with open(p, encoding="utf-8") as f:
      template = json.load(f)
    for i, res in enumerate(template.get("resources", [])):
      rtype = res.get("type")
      where = f"{p}:resources[{i}]({rtype})"
      if rtype not in MODELS:
        problems.append({"kind": "unknown", "path": where, "detail": "no SDK model mapped for this resource type"})
        continue
      module, model = MODELS[rtype]
      body = {k: v for k, v in res.items() if k not in TEMPLATE_ONLY}
      obj = model._deserialize(body, [])
      walk(module, obj, where, problems)
      checked[rtype] = checked.get(rtype, 0) + 1
  json.dump({"checked": checked, "problems": problems}, sys.stdout, indent=1, sort_keys=True)
  print()
  return 1 if problems else 0


if __name__ == "__main__":
  if len(sys.argv) < 2:
    print(__doc__, file=sys.stderr)
    sys.exit(2)
  sys.exit(main(sys.argv[1:]))
