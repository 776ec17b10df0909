//! deploy.sh run with a recording `az`: every call, quoted, in order, stopping before any call
//! without the ids it needs and when the CLI is set to another cloud.

use super::*;

/// Records every call; `az cloud show` answers the cloud in `AZ_CLOUD` (the profile's when the
/// caller sets it), `az account show` the subscription `SUBSCRIPTION`; any other `show` says the resource does not exist yet.
pub(crate) const FAKE_AZ: &str = "#!/usr/bin/env bash\n{ printf '%s\\037' \"$@\"; printf '\\036'; } >> \"$AZ_LOG\"\ncase \" $* \" in *' cloud show '*) echo \"${AZ_CLOUD:-AzureCloud}\"; exit 0 ;; *' account show '*) echo 00000000-0000-0000-0000-000000000000; exit 0 ;; *' show '*) exit 3 ;; esac\nexit 0\n";
pub(crate) const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
pub(crate) const VNET_ID: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-test";

/// Runs deploy.sh in a directory full of files its `*` arguments would glob to if unquoted.
pub(crate) fn run_azcli(c: &Compiled, env: &[(&str, &str)]) -> (std::process::Output, Vec<Vec<String>>) {
  let work = scratch(&format!("az-{}", c.name));
  let bin = work.join("bin");
  std::fs::create_dir_all(&bin).expect("writable");
  let az = bin.join("az");
  std::fs::write(&az, FAKE_AZ).expect("writable");
  #[cfg(unix)]
  {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).expect("chmod");
  }
  let cwd = work.join("cwd");
  std::fs::create_dir_all(&cwd).expect("writable");
  std::fs::write(cwd.join("decoy"), "").expect("writable");
  for f in &c.ir.flows {
    if f.peer.to_string().contains('*') {
      std::fs::write(cwd.join(f.peer.to_string().replace('*', "decoy")), "").expect("writable");
    }
  }
  let log = work.join("az.log");
  let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
  let out = Command::new("bash")
    .arg(c.dir.join("azcli/deploy.sh"))
    .current_dir(&cwd)
    .env_clear()
    .env("PATH", path)
    .env("AZ_LOG", &log)
    .env("AZ_CLOUD", c.ir.cloud.name())
    .envs(env.iter().copied())
    .output()
    .expect("bash runs");
  let calls = std::fs::read_to_string(&log)
    .unwrap_or_default()
    .split('\u{1e}')
    .filter(|c| !c.is_empty())
    .map(|c| {
      c.split('\u{1f}')
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
    })
    .collect();
  (out, calls)
}

/// (command words, flag → values).
pub(crate) fn parse_call(argv: &[String]) -> (String, BTreeMap<String, Vec<String>>) {
  let mut words = Vec::new();
  let mut flags: BTreeMap<String, Vec<String>> = BTreeMap::new();
  let mut current: Option<String> = None;
  for a in argv {
    if a.starts_with("--") {
      assert!(!flags.contains_key(a), "flag {a} given once: {argv:?}");
      flags.insert(a.clone(), vec![]);
      current = Some(a.clone());
    } else if let Some(flag) = &current {
      flags.get_mut(flag).expect("flag").push(a.clone());
    } else {
      words.push(a.as_str());
    }
  }
  (words.join(" "), flags)
}

pub(crate) fn from_azcli(calls: &[Vec<String>], ttl: u32, nsg_name: &str) -> Deploy {
  // The NSG and route tables are in RESOURCE_GROUP (rg-test in these runs).
  let ids = format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-test/providers/Microsoft.Network");
  let mut d = Deploy::default();
  let mut collections: BTreeMap<String, u64> = BTreeMap::new();
  let mut records: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
  for argv in calls {
    let (cmd, f) = parse_call(argv);
    let one = |k: &str| -> String {
      let v = f
        .get(k)
        .unwrap_or_else(|| panic!("{cmd}: {k} is passed: {argv:?}"));
      assert_eq!(v.len(), 1, "{cmd}: one value for {k}: {argv:?}");
      v[0].clone()
    };
    let many = |k: &str| -> Vec<String> { f.get(k).cloned().unwrap_or_default() };
    match cmd.as_str() {
      "network nsg create" => {}
      "network nsg rule create" => {
        for k in [
          "--destination-port-ranges",
          "--source-port-ranges",
          "--protocol",
          "--priority",
          "--direction",
          "--access",
          "--source-address-prefixes",
          "--destination-address-prefixes",
        ] {
          assert!(
            f.get(k).is_some_and(|v| !v.is_empty()),
            "{k} is explicit: {argv:?}"
          );
        }
        d.nsg.push(NsgRule {
          name: one("--name"),
          priority: one("--priority").parse().expect("numeric priority"),
          direction: one("--direction"),
          access: one("--access"),
          protocol: one("--protocol"),
          source: one("--source-address-prefixes"),
          source_ports: many("--source-port-ranges"),
          destination: one("--destination-address-prefixes"),
          ports: many("--destination-port-ranges"),
          description: one("--description"),
        });
      }
      "network firewall policy rule-collection-group create" => {
        d.fw_priority = one("--priority").parse().expect("numeric")
      }
      "network firewall policy rule-collection-group collection add-filter-collection"
      | "network firewall policy rule-collection-group collection rule add" => {
        let first = cmd.ends_with("add-filter-collection");
        let collection = if first {
          one("--name")
        } else {
          one("--collection-name")
        };
        if first {
          assert_eq!(one("--action"), "Allow");
          collections.insert(
            collection.clone(),
            one("--collection-priority").parse().expect("numeric"),
          );
        }
        let application = one("--rule-type") == "ApplicationRule";
        d.fw.push(FwRule {
          collection_priority: *collections
            .get(&collection)
            .expect("the collection was created first"),
          collection,
          kind: if application { "application" } else { "network" }.to_string(),
          name: if first { one("--rule-name") } else { one("--name") },
          description: one("--description"),
          protocols: if application {
            many("--protocols")
              .iter()
              .map(|p| p.replacen('=', ":", 1))
              .collect()
          } else {
            many("--ip-protocols")
          },
          sources: many("--source-addresses"),
          addresses: many("--destination-addresses"),
          fqdns: if application {
            many("--target-fqdns")
          } else {
            many("--destination-fqdns")
          },
          ports: many("--destination-ports"),
        });
      }
      "network private-dns zone show" | "network private-dns link vnet show" => {}
      "network private-dns zone create" => d.zones.push(one("--name")),
      "network private-dns link vnet create" => {
        assert_eq!(one("--virtual-network"), VNET_ID);
        assert_eq!(one("--registration-enabled"), "false");
        d.links.push(one("--zone-name"));
      }
      "network private-dns record-set a add-record" => {
        records
          .entry((one("--zone-name"), one("--record-set-name")))
          .or_default()
          .push(one("--ipv4-address"));
      }
      "network private-dns record-set a update" => {
        assert_eq!(one("--set"), format!("ttl={ttl}"));
        assert!(
          records.contains_key(&(one("--zone-name"), one("--name"))),
          "TTL set on a record set that was added"
        );
      }
      // The cloud check before any change, and the subscription of the IDs.
      "cloud show" | "account show" => {}
      "network route-table create" => d.route_tables.push(one("--name")),
      "network route-table route create" => d.routes.push(Route {
        table: one("--route-table-name"),
        name: one("--name"),
        prefix: one("--address-prefix"),
        hop: one("--next-hop-type"),
        hop_ip: many("--next-hop-ip-address").concat(),
      }),
      "network vnet subnet update" => {
        assert_eq!(
          one("--network-security-group"),
          format!("{ids}/networkSecurityGroups/{nsg_name}")
        );
        let table = f.get("--route-table").map(|_| {
          one("--route-table")
            .strip_prefix(&format!("{ids}/routeTables/"))
            .expect("a route table ID")
            .to_string()
        });
        d.subnets.push((one("--name"), table.unwrap_or_default()));
      }
      other => panic!("unexpected az call {other}: {argv:?}"),
    }
  }
  d.records = records.into_iter().map(|((z, n), ips)| (z, n, ips)).collect();
  d.sorted()
}

#[test]
fn azcli_script_passes_every_rule_explicitly_and_quoted() {
  let (_base, all) = compile_all("azcli");
  for c in &all {
    let (out, calls) = run_azcli(c, &[("RESOURCE_GROUP", "rg-test"), ("VNET_ID", VNET_ID)]);
    assert!(
      out.status.success(),
      "{}: deploy.sh runs: {}",
      c.name,
      String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
      from_azcli(&calls, c.ir.settings.dns.ttl, &c.ir.settings.nsg.name),
      from_arm(c),
      "{}: az calls carry exactly the ARM outputs' rules, zones and records",
      c.name
    );
    for argv in &calls {
      assert!(
        !argv.iter().any(|a| a.contains("decoy")),
        "{}: no argument was globbed: {argv:?}",
        c.name
      );
      let (cmd, f) = parse_call(argv);
      if cmd.starts_with("network nsg") || cmd.starts_with("network private-dns") {
        assert_eq!(f["--resource-group"], ["rg-test"], "{}: {argv:?}", c.name);
      }
      if cmd.starts_with("network firewall") {
        assert_eq!(
          f["--resource-group"],
          ["rg-test"],
          "{}: policy RG defaults to RESOURCE_GROUP",
          c.name
        );
        assert_eq!(
          f["--policy-name"],
          std::slice::from_ref(&c.ir.settings.firewall.policy_name),
          "{}",
          c.name
        );
      }
    }
  }
}

#[test]
fn azcli_script_stops_before_any_call_without_the_ids_it_needs() {
  let (_base, all) = compile_all("azcli-ids");
  let c = all
    .iter()
    .find(|c| !c.ir.dns_zones.is_empty())
    .expect("a profile with zones");
  let (out, calls) = run_azcli(c, &[("VNET_ID", VNET_ID)]);
  assert!(!out.status.success());
  assert!(
    String::from_utf8_lossy(&out.stderr).contains("set RESOURCE_GROUP"),
    "{}",
    String::from_utf8_lossy(&out.stderr)
  );
  assert!(calls.is_empty(), "nothing ran: {calls:?}");
  let (out, calls) = run_azcli(c, &[("RESOURCE_GROUP", "rg-test")]);
  assert!(!out.status.success());
  assert!(String::from_utf8_lossy(&out.stderr).contains("set VNET_ID"));
  assert!(calls.is_empty(), "nothing ran: {calls:?}");
}

// ---------------------------------------------------------------------------------------

/// deploy.sh stops before any change when the CLI is set to another cloud than the
/// profile's, saying how to switch.
#[test]
fn azcli_script_stops_when_the_cli_is_set_to_another_cloud() {
  let (_base, all) = compile_all("azcli-cloud");
  let c = all
    .iter()
    .find(|c| c.name == "china-training-no-public-ip")
    .expect("the China profile");
  let (out, calls) = run_azcli(
    c,
    &[
      ("RESOURCE_GROUP", "rg-test"),
      ("VNET_ID", VNET_ID),
      ("AZ_CLOUD", "AzureCloud"),
    ],
  );
  assert!(!out.status.success());
  assert!(
    String::from_utf8_lossy(&out.stderr).contains("az cloud set --name AzureChinaCloud"),
    "{}",
    String::from_utf8_lossy(&out.stderr)
  );
  assert_eq!(calls.len(), 1, "only `az cloud show` ran: {calls:?}");
}
