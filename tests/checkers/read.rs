//! Each deployment format read back into one comparable shape (`Deploy`): ARM JSON directly,
//! Terraform through python-hcl2, Bicep through pycep; shared by the format tests.

use super::*;

/// The literal inside an ARM expression: the `n`th `'`-quoted string of `[f('a', 'b')]`.
pub(crate) fn quoted(expression: &str, n: usize) -> String {
  expression
    .split('\'')
    .nth(2 * n + 1)
    .unwrap_or_else(|| panic!("{expression} has {} quoted strings", n + 1))
    .to_string()
}

/// Route tables, routes and subnets of nsg/subnets.json (none when the plan associates none).
pub(crate) fn network_from_arm(c: &Compiled, d: &mut Deploy) {
  let path = c.dir.join("nsg/subnets.json");
  assert_eq!(
    path.exists(),
    !Plan::new(&c.ir).network.subnets.is_empty(),
    "{}: nsg/subnets.json exactly when the plan associates subnets",
    c.name
  );
  if !path.exists() {
    return;
  }
  let doc = read_json(&path);
  for r in doc["resources"].as_array().expect("resources") {
    match r["type"].as_str() {
      Some("Microsoft.Network/routeTables") => {
        let table = text(&r["name"]);
        for route in r["properties"]["routes"].as_array().expect("routes") {
          let p = &route["properties"];
          d.routes.push(Route {
            table: table.clone(),
            name: text(&route["name"]),
            prefix: text(&p["addressPrefix"]),
            hop: text(&p["nextHopType"]),
            hop_ip: p.get("nextHopIpAddress").map(text).unwrap_or_default(),
          });
        }
        d.route_tables.push(table);
      }
      Some("Microsoft.Network/virtualNetworks/subnets") => {
        let p = &r["properties"];
        assert_eq!(
          p["networkSecurityGroup"]["id"],
          "[resourceId('Microsoft.Network/networkSecurityGroups', parameters('nsgName'))]"
        );
        let table = p
          .get("routeTable")
          .map(|t| quoted(&text(&t["id"]), 1))
          .unwrap_or_default();
        d.subnets.push((quoted(&text(&r["name"]), 2), table));
      }
      other => panic!("unexpected resource {other:?}"),
    }
  }
}

pub(crate) fn text(v: &Value) -> String {
  match v {
    Value::String(s) => s.clone(),
    Value::Null => String::new(),
    other => other.to_string(),
  }
}

/// A list of strings; a lone string counts as a one-element list, absence as empty.
pub(crate) fn texts(v: &Value) -> Vec<String> {
  match v {
    Value::Array(items) => items.iter().map(text).collect(),
    Value::Null => vec![],
    other => vec![text(other)],
  }
}

pub(crate) fn int(v: &Value) -> u64 {
  v.as_u64()
    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    .unwrap_or_else(|| panic!("an integer: {v}"))
}

/// `securityRules` in ARM (and Bicep) shape.
pub(crate) fn nsg_from_arm(rules: &Value) -> Vec<NsgRule> {
  rules
    .as_array()
    .expect("securityRules is a list")
    .iter()
    .map(|r| {
      let p = &r["properties"];
      let ports = if p.get("destinationPortRanges").is_some() {
        texts(&p["destinationPortRanges"])
      } else {
        texts(&p["destinationPortRange"])
      };
      NsgRule {
        name: text(&r["name"]),
        priority: int(&p["priority"]),
        direction: text(&p["direction"]),
        access: text(&p["access"]),
        protocol: text(&p["protocol"]),
        source: text(&p["sourceAddressPrefix"]),
        source_ports: texts(&p["sourcePortRange"]),
        destination: text(&p["destinationAddressPrefix"]),
        ports,
        description: text(&p["description"]),
      }
    })
    .collect()
}

/// `ruleCollections` in ARM (and Bicep) shape.
pub(crate) fn fw_from_arm(collections: &Value) -> Vec<FwRule> {
  let mut v = Vec::new();
  for c in collections.as_array().expect("ruleCollections is a list") {
    assert_eq!(c["ruleCollectionType"], "FirewallPolicyFilterRuleCollection");
    assert_eq!(c["action"]["type"], "Allow");
    for r in c["rules"].as_array().expect("rules is a list") {
      let application = r["ruleType"] == "ApplicationRule";
      v.push(FwRule {
        collection: text(&c["name"]),
        collection_priority: int(&c["priority"]),
        kind: if application { "application" } else { "network" }.to_string(),
        name: text(&r["name"]),
        description: text(&r["description"]),
        protocols: if application {
          r["protocols"]
            .as_array()
            .expect("protocols")
            .iter()
            .map(|p| format!("{}:{}", text(&p["protocolType"]), int(&p["port"])))
            .collect()
        } else {
          texts(&r["ipProtocols"])
        },
        sources: texts(&r["sourceAddresses"]),
        addresses: texts(&r["destinationAddresses"]),
        fqdns: if application {
          texts(&r["targetFqdns"])
        } else {
          texts(&r["destinationFqdns"])
        },
        ports: texts(&r["destinationPorts"]),
      });
    }
  }
  v
}

pub(crate) fn read_json(path: &Path) -> Value {
  serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
    .expect("valid JSON")
}

pub(crate) fn from_arm(c: &Compiled) -> Deploy {
  let nsg = read_json(&c.dir.join("nsg/nsg.json"));
  let mut d = Deploy {
    nsg: nsg_from_arm(&nsg["resources"][0]["properties"]["securityRules"]),
    ..Deploy::default()
  };
  // An empty firewall plan writes no rule collection group (AFW009).
  let fw_path = c.dir.join("firewall/rule-collection-group.json");
  assert_eq!(
    fw_path.exists(),
    !Plan::new(&c.ir).firewall.is_empty(),
    "{}: a firewall artifact exactly when the plan has firewall rules",
    c.name
  );
  if fw_path.exists() {
    let fw = read_json(&fw_path);
    d.fw_priority = int(&fw["resources"][0]["properties"]["priority"]);
    d.fw = fw_from_arm(&fw["resources"][0]["properties"]["ruleCollections"]);
  }
  let dns_path = c.dir.join("private-dns/private-dns.json");
  if dns_path.exists() {
    let dns = read_json(&dns_path);
    let mut records: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for r in dns["resources"].as_array().expect("resources") {
      let name = text(&r["name"]);
      match r["type"].as_str() {
        Some("Microsoft.Network/privateDnsZones") => d.zones.push(name),
        Some("Microsoft.Network/privateDnsZones/virtualNetworkLinks") => {
          // "[concat('zone', '/', parameters('vnetLinkName'))]"
          let zone = name
            .split('\'')
            .nth(1)
            .expect("link name names its zone")
            .to_string();
          assert_eq!(r["properties"]["virtualNetwork"]["id"], "[parameters('vnetId')]");
          d.links.push(zone);
        }
        Some("Microsoft.Network/privateDnsZones/A") => {
          let (zone, rel) = name.split_once('/').expect("zone/record");
          let ips = r["properties"]["aRecords"]
            .as_array()
            .expect("aRecords")
            .iter()
            .map(|a| text(&a["ipv4Address"]));
          records
            .entry((zone.to_string(), rel.to_string()))
            .or_default()
            .extend(ips);
        }
        other => panic!("unexpected resource {other:?}"),
      }
    }
    d.records = records.into_iter().map(|((z, n), ips)| (z, n, ips)).collect();
  }
  network_from_arm(c, &mut d);
  d.sorted()
}

/// From check_terraform.py's summary of one directory.
pub(crate) fn from_terraform(s: &Value) -> Deploy {
  let res = &s["resources"];
  let empty = serde_json::Map::new();
  let of = |t: &str| res.get(t).and_then(Value::as_object).unwrap_or(&empty).clone();
  let nsgs = of("azurerm_network_security_group");
  assert_eq!(nsgs.len(), 1, "one NSG");
  let (nsg_label, nsg) = nsgs.iter().next().expect("one NSG");
  assert!(
    nsg.get("security_rule").is_none(),
    "no inline security_rule next to standalone rules"
  );
  assert_eq!(nsg["resource_group_name"], "${var.resource_group_name}");
  let mut d = Deploy::default();
  for r in of("azurerm_network_security_rule").values() {
    assert_eq!(
      r["network_security_group_name"],
      format!("${{azurerm_network_security_group.{nsg_label}.name}}")
    );
    assert!(
      r.get("destination_port_range").is_some() != r.get("destination_port_ranges").is_some(),
      "one port form: {r}"
    );
    let ports = if r.get("destination_port_ranges").is_some() {
      texts(&r["destination_port_ranges"])
    } else {
      texts(&r["destination_port_range"])
    };
    d.nsg.push(NsgRule {
      name: text(&r["name"]),
      priority: int(&r["priority"]),
      direction: text(&r["direction"]),
      access: text(&r["access"]),
      protocol: text(&r["protocol"]),
      source: text(&r["source_address_prefix"]),
      source_ports: texts(&r["source_port_range"]),
      destination: text(&r["destination_address_prefix"]),
      ports,
      description: text(&r["description"]),
    });
  }
  let groups = of("azurerm_firewall_policy_rule_collection_group");
  assert!(groups.len() <= 1, "at most one rule collection group");
  for g in groups.values() {
    assert_eq!(g["firewall_policy_id"], "${var.firewall_policy_id}");
    d.fw_priority = int(&g["priority"]);
    for (block, kind) in [
      ("network_rule_collection", "network"),
      ("application_rule_collection", "application"),
    ] {
      for c in g.get(block).and_then(Value::as_array).into_iter().flatten() {
        assert_eq!(c["action"], "Allow");
        for r in c["rule"].as_array().expect("rules") {
          d.fw.push(FwRule {
            collection: text(&c["name"]),
            collection_priority: int(&c["priority"]),
            kind: kind.to_string(),
            name: text(&r["name"]),
            description: text(&r["description"]),
            protocols: if kind == "application" {
              r["protocols"]
                .as_array()
                .expect("protocols blocks")
                .iter()
                .map(|p| format!("{}:{}", text(&p["type"]), int(&p["port"])))
                .collect()
            } else {
              texts(&r["protocols"])
            },
            sources: texts(&r["source_addresses"]),
            addresses: texts(&r["destination_addresses"]),
            fqdns: texts(&r["destination_fqdns"]),
            ports: texts(&r["destination_ports"]),
          });
        }
      }
    }
  }
  let zones = of("azurerm_private_dns_zone");
  let zone_of = |reference: &Value| -> String {
    let label = text(reference)
      .trim_start_matches("${azurerm_private_dns_zone.")
      .trim_end_matches(".name}")
      .to_string();
    text(
      &zones
        .get(&label)
        .unwrap_or_else(|| panic!("{reference} names a zone"))["name"],
    )
  };
  d.zones = zones.values().map(|z| text(&z["name"])).collect();
  for l in of("azurerm_private_dns_zone_virtual_network_link").values() {
    assert_eq!(l["virtual_network_id"], "${var.virtual_network_id}");
    assert_eq!(l["registration_enabled"], false);
    d.links.push(zone_of(&l["private_dns_zone_name"]));
  }
  for r in of("azurerm_private_dns_a_record").values() {
    d.records
      .push((zone_of(&r["zone_name"]), text(&r["name"]), texts(&r["records"])));
  }
  // Route tables and routes; subnets are data sources, associated by reference.
  let tables = of("azurerm_route_table");
  let table_of = |reference: &Value, attr: &str| -> String {
    let label = text(reference)
      .trim_start_matches("${azurerm_route_table.")
      .trim_end_matches(&format!(".{attr}}}"))
      .to_string();
    text(
      &tables
        .get(&label)
        .unwrap_or_else(|| panic!("{reference} names a route table"))["name"],
    )
  };
  for t in tables.values() {
    assert_eq!(t["resource_group_name"], "${var.resource_group_name}");
    assert!(
      t.get("route").is_none(),
      "no inline route next to standalone routes"
    );
    d.route_tables.push(text(&t["name"]));
  }
  for r in of("azurerm_route").values() {
    d.routes.push(Route {
      table: table_of(&r["route_table_name"], "name"),
      name: text(&r["name"]),
      prefix: text(&r["address_prefix"]),
      hop: text(&r["next_hop_type"]),
      hop_ip: r.get("next_hop_in_ip_address").map(text).unwrap_or_default(),
    });
  }
  let data = s["data"]["azurerm_subnet"]
    .as_object()
    .cloned()
    .unwrap_or_default();
  let subnet_of = |reference: &Value| -> String {
    let label = text(reference)
      .trim_start_matches("${data.azurerm_subnet.")
      .trim_end_matches(".id}")
      .to_string();
    let subnet = data
      .get(&label)
      .unwrap_or_else(|| panic!("{reference} names a subnet"));
    assert_eq!(subnet["virtual_network_name"], "${var.virtual_network_name}");
    assert_eq!(
      subnet["resource_group_name"],
      "${var.virtual_network_resource_group_name}"
    );
    text(&subnet["name"])
  };
  let mut routed: BTreeMap<String, String> = BTreeMap::new();
  for a in of("azurerm_subnet_route_table_association").values() {
    routed.insert(subnet_of(&a["subnet_id"]), table_of(&a["route_table_id"], "id"));
  }
  for a in of("azurerm_subnet_network_security_group_association").values() {
    assert_eq!(
      a["network_security_group_id"],
      format!("${{azurerm_network_security_group.{nsg_label}.id}}")
    );
    let name = subnet_of(&a["subnet_id"]);
    let table = routed.remove(&name).unwrap_or_default();
    d.subnets.push((name, table));
  }
  assert!(
    routed.is_empty(),
    "a route table only on subnets with the NSG: {routed:?}"
  );
  d.sorted()
}

/// From check_bicep.py's summary of one file.
pub(crate) fn from_bicep(s: &Value) -> Deploy {
  let res = s["resources"].as_object().expect("resources");
  let of = |t: &'static str| res.iter().filter(move |(_, r)| r["type"] == t);
  let mut d = Deploy::default();
  let nsgs: Vec<_> = of("Microsoft.Network/networkSecurityGroups").collect();
  assert_eq!(nsgs.len(), 1, "one NSG");
  d.nsg = nsg_from_arm(&nsgs[0].1["config"]["properties"]["securityRules"]);
  let policies: Vec<_> = of("Microsoft.Network/firewallPolicies").collect();
  let groups: Vec<_> = of("Microsoft.Network/firewallPolicies/ruleCollectionGroups").collect();
  // An empty firewall plan writes neither the policy reference nor a group (AFW009).
  assert_eq!(
    policies.len(),
    groups.len(),
    "a policy reference exactly with a group"
  );
  assert!(groups.len() <= 1, "at most one rule collection group");
  if let (Some(policy), Some(group)) = (policies.first(), groups.first()) {
    assert_eq!(policy.1["existing"], true, "the policy is an existing resource");
    assert_eq!(group.1["config"]["parent"], Value::String(policy.0.clone()));
    d.fw_priority = int(&group.1["config"]["properties"]["priority"]);
    d.fw = fw_from_arm(&group.1["config"]["properties"]["ruleCollections"]);
  }
  let zone_of = |parent: &Value| {
    text(
      &res
        .get(&text(parent))
        .unwrap_or_else(|| panic!("{parent} is a zone"))["config"]["name"],
    )
  };
  d.zones = of("Microsoft.Network/privateDnsZones")
    .map(|(_, z)| text(&z["config"]["name"]))
    .collect();
  for (_, l) in of("Microsoft.Network/privateDnsZones/virtualNetworkLinks") {
    assert_eq!(l["config"]["properties"]["virtualNetwork"]["id"], "vnetId");
    d.links.push(zone_of(&l["config"]["parent"]));
  }
  for (_, r) in of("Microsoft.Network/privateDnsZones/A") {
    let ips = r["config"]["properties"]["aRecords"]
      .as_array()
      .expect("aRecords")
      .iter()
      .map(|a| text(&a["ipv4Address"]))
      .collect();
    d.records
      .push((zone_of(&r["config"]["parent"]), text(&r["config"]["name"]), ips));
  }
  // `symbol.id` as pycep gives it: a property accessor.
  let accessor = |v: &Value| -> String {
    let o = &v["operator"];
    assert_eq!(o["type"], "property_accessor", "{v}");
    assert_eq!(o["operands"]["operand_2"], "id", "{v}");
    text(&o["operands"]["operand_1"])
  };
  for (_, t) in of("Microsoft.Network/routeTables") {
    let table = text(&t["config"]["name"]);
    for route in t["config"]["properties"]["routes"].as_array().expect("routes") {
      let p = &route["properties"];
      d.routes.push(Route {
        table: table.clone(),
        name: text(&route["name"]),
        prefix: text(&p["addressPrefix"]),
        hop: text(&p["nextHopType"]),
        hop_ip: p.get("nextHopIpAddress").map(text).unwrap_or_default(),
      });
    }
    d.route_tables.push(table);
  }
  for (_, sn) in of("Microsoft.Network/virtualNetworks/subnets") {
    let parent = text(&sn["config"]["parent"]);
    assert_eq!(res[&parent]["existing"], true, "the VNet is an existing resource");
    let p = &sn["config"]["properties"];
    assert_eq!(accessor(&p["networkSecurityGroup"]["id"]), nsgs[0].0.as_str());
    let table = p
      .get("routeTable")
      .map(|t| text(&res[&accessor(&t["id"])]["config"]["name"]))
      .unwrap_or_default();
    d.subnets.push((text(&sn["config"]["name"]), table));
  }
  d.sorted()
}

/// A subnet PUT replaces the subnet, so Bicep and nsg/subnets.json must carry the same
/// address prefix, delegations, service endpoints and NAT gateway for each subnet.
pub(crate) fn subnet_bodies_match(c: &Compiled, bicep: &Value) {
  let path = c.dir.join("nsg/subnets.json");
  let arm: Vec<Value> = if path.exists() {
    read_json(&path)["resources"]
      .as_array()
      .expect("resources")
      .clone()
  } else {
    Vec::new()
  };
  let keep = |p: &Value| -> Value {
    let mut kept: serde_json::Map<_, _> = ["addressPrefix", "delegations", "serviceEndpoints"]
      .iter()
      .map(|k| (k.to_string(), p.get(*k).cloned().unwrap_or(Value::Null)))
      .collect();
    // A parameter in both, spelled as each format refers to it.
    kept.insert("natGateway".into(), Value::Bool(p.get("natGateway").is_some()));
    kept.into()
  };
  let arm_bodies: BTreeMap<String, Value> = arm
    .iter()
    .filter(|r| r["type"] == "Microsoft.Network/virtualNetworks/subnets")
    .map(|r| (quoted(&text(&r["name"]), 2), keep(&r["properties"])))
    .collect();
  let bicep_bodies: BTreeMap<String, Value> = bicep["resources"]
    .as_object()
    .expect("resources")
    .values()
    .filter(|r| r["type"] == "Microsoft.Network/virtualNetworks/subnets")
    .map(|r| (text(&r["config"]["name"]), keep(&r["config"]["properties"])))
    .collect();
  assert_eq!(bicep_bodies, arm_bodies, "{}: subnet bodies", c.name);
}

/// A Bicep resource body as ARM JSON: `symbol.id` accessors become `[symbol.id]` strings.
pub(crate) fn bicep_as_arm(v: &Value) -> Value {
  match v {
    Value::Object(o)
      if o
        .get("operator")
        .is_some_and(|op| op["type"] == "property_accessor") =>
    {
      let ops = &o["operator"]["operands"];
      Value::String(format!(
        "[{}.{}]",
        text(&ops["operand_1"]),
        text(&ops["operand_2"])
      ))
    }
    Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), bicep_as_arm(v))).collect()),
    Value::Array(a) => Value::Array(a.iter().map(bicep_as_arm).collect()),
    other => other.clone(),
  }
}

// ---------------------------------------------------------------------------------------
