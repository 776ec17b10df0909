//! Route tables and subnet associations: the firewall egress route and the public-IP compute
//! routes in every deployment format (each read by its own checker), the plan's split of
//! compute subnets into route tables, and the names the plan gives routes.

use amlnet::ir::Egress;
use amlnet::plan::network::{AML_ROUTE, BATCH_ROUTE, DEFAULT_ROUTE, PUBLIC_IP_SUFFIX};
use amlnet::plan::Plan;

use crate::checkers::{compile_into, every_format, Route};
use crate::support::{extending, scratch, shipped_profiles};

fn route(table: &str, name: &str, prefix: &str, hop: &str, hop_ip: &str) -> Route {
  Route {
    table: table.into(),
    name: name.into(),
    prefix: prefix.into(),
    hop: hop.into(),
    hop_ip: hop_ip.into(),
  }
}

#[test]
fn firewall_egress_profiles_route_everything_to_the_firewall_ip_in_every_format() {
  let base = scratch("route-fw");
  let mut seen = 0;
  for path in shipped_profiles() {
    let c = compile_into(&path, &base);
    let st = &c.ir.settings;
    let compute: Vec<&str> = st
      .subnets
      .iter()
      .filter(|s| s.compute)
      .map(|s| s.name.as_str())
      .collect();
    if st.egress != Egress::Firewall || compute.is_empty() {
      continue;
    }
    seen += 1;
    let ip = st
      .firewall
      .private_ip
      .expect("shipped firewall profiles name the firewall's IP")
      .to_string();
    for (format, d) in every_format(&c) {
      for subnet in &compute {
        let (_, table) = d.subnets.iter().find(|(s, _)| s == subnet).unwrap_or_else(|| {
          panic!(
            "{} {format}: compute subnet {subnet} is associated: {d:?}",
            c.name
          )
        });
        assert!(
          d.routes
            .contains(&route(table, DEFAULT_ROUTE, "0.0.0.0/0", "VirtualAppliance", &ip)),
          "{} {format}: subnet {subnet}'s route table {table:?} sends 0.0.0.0/0 to {ip}: {:?}",
          c.name,
          d.routes
        );
      }
      // Every subnet with compute or private endpoints has the NSG, and only those.
      let mut associated: Vec<&str> = d.subnets.iter().map(|(s, _)| s.as_str()).collect();
      associated.sort_unstable();
      let mut expected: Vec<&str> = st.subnets.iter().map(|s| s.name.as_str()).collect();
      expected.sort_unstable();
      assert_eq!(associated, expected, "{} {format}", c.name);
    }
  }
  assert!(
    seen >= 3,
    "shipped profiles with firewall egress and compute: {seen}"
  );
}

#[test]
fn public_ip_compute_behind_the_firewall_routes_its_service_tags_to_the_internet_in_every_format() {
  let file = extending(
    "training-public-ip",
    "route-pip",
    "[network]\negress = \"firewall\"\n",
  );
  let c = compile_into(&file, &scratch("route-pip-out"));
  let table = "rt-mlw-contoso-train-pub";
  let expected = vec![
    route(table, AML_ROUTE, "AzureMachineLearning", "Internet", ""),
    route(table, BATCH_ROUTE, "BatchNodeManagement", "Internet", ""),
    route(table, DEFAULT_ROUTE, "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"),
  ];
  for (format, d) in every_format(&c) {
    assert_eq!(d.routes, expected, "{format}");
    assert_eq!(
      d.subnets,
      vec![("training".to_string(), table.to_string())],
      "{format}"
    );
  }
  // The same compute without firewall egress has no route table, only the NSG association.
  let plan = Plan::new(
    &amlnet::compile_path(&crate::support::root().join("profiles/training-public-ip.toml"))
      .expect("compiles"),
  );
  assert!(plan.network.route_tables.is_empty());
  assert_eq!(plan.network.subnets.len(), 1);
}

#[test]
fn compute_with_and_without_public_ip_get_separate_route_tables() {
  let file = extending(
    "training-no-public-ip",
    "route-mixed",
    "[[network.subnet]]\nname = \"training\"\nprefix = \"10.20.0.0/24\"\n\n\
     [[network.subnet]]\nname = \"endpoints\"\nprefix = \"10.20.2.0/27\"\n\n\
     [[network.subnet]]\nname = \"public\"\nprefix = \"10.20.4.0/24\"\n\n\
     [[compute]]\nname = \"cpu-build\"\nkind = \"cluster\"\nsubnet = \"training\"\npublic_ip = false\nmax_nodes = 4\n\n\
     [[compute]]\nname = \"pub-cluster\"\nkind = \"cluster\"\nsubnet = \"public\"\npublic_ip = true\nmax_nodes = 4\n",
  );
  let ir = amlnet::compile_path(&file).unwrap_or_else(|e| panic!("{e}"));
  let net = Plan::new(&ir).network;
  let plain = ir.settings.firewall.route_table.clone();
  let public = format!("{plain}{PUBLIC_IP_SUFFIX}");
  let of = |name: &str| {
    net
      .subnets
      .iter()
      .find(|s| s.name == name)
      .and_then(|s| s.route_table.clone())
  };
  assert_eq!(of("training"), Some(plain.clone()));
  assert_eq!(of("public"), Some(public.clone()));
  assert_eq!(of("endpoints"), None, "private endpoints keep the system routes");
  let names = |t: &str| -> Vec<String> {
    net
      .route_table(t)
      .expect("planned")
      .routes
      .iter()
      .map(|r| r.name.clone())
      .collect()
  };
  assert_eq!(names(&plain), [DEFAULT_ROUTE]);
  assert_eq!(names(&public), [DEFAULT_ROUTE, AML_ROUTE, BATCH_ROUTE]);
}

#[test]
fn firewall_egress_without_the_firewall_ip_warns_and_writes_no_route_table() {
  let standalone = scratch("route-no-ip-2").join("p.toml");
  std::fs::write(
    &standalone,
    "cloud = \"AzureCloud\"\nregion = \"eastus\"\n[workspace]\nname = \"mlw\"\n\
     id = \"0f6a1b2c-3d4e-4f50-8a9b-0c1d2e3f4a5b\"\n[network]\naddress_space = [\"10.0.0.0/16\"]\n\
     egress = \"firewall\"\n[[network.subnet]]\nname = \"training\"\nprefix = \"10.0.0.0/24\"\n\
     [[compute]]\nname = \"cpu-cluster\"\nkind = \"cluster\"\nsubnet = \"training\"\npublic_ip = true\nmax_nodes = 2\n",
  )
  .expect("writable");
  let ir = amlnet::compile_path(&standalone).unwrap_or_else(|e| panic!("{e}"));
  assert!(
    ir.diagnostics
      .iter()
      .any(|d| d.code == "AML035" && d.location.ends_with("p.toml:8:10")),
    "{:?}",
    ir.diagnostics
  );
  let net = Plan::new(&ir).network;
  assert!(net.route_tables.is_empty());
  assert_eq!(net.subnets.len(), 1, "the NSG association stays");
  assert_eq!(net.subnets[0].route_table, None);
}

#[test]
fn route_names_follow_azure_naming_rules() {
  use amlnet::model::names::{ROUTE, ROUTE_TABLE};
  for name in [DEFAULT_ROUTE, AML_ROUTE, BATCH_ROUTE] {
    assert_eq!(ROUTE.broken_by(name), None, "{name}");
  }
  // The longest route table name the model accepts still leaves room for the suffix.
  let longest = "r".repeat(70);
  assert_eq!(ROUTE_TABLE.broken_by(&longest), None);
  let suffixed = format!("{longest}{PUBLIC_IP_SUFFIX}");
  assert!(suffixed.len() <= amlnet::target::network::NAME_MAX);
}

#[test]
fn subnet_puts_keep_the_nat_gateway_of_nat_gateway_egress() {
  let c = compile_into(
    &crate::support::root().join("profiles/china-training-no-public-ip.toml"),
    &scratch("route-nat"),
  );
  assert_eq!(c.ir.settings.egress, Egress::NatGateway);
  let arm: serde_json::Value =
    serde_json::from_str(&std::fs::read_to_string(c.dir.join("nsg/subnets.json")).expect("written"))
      .expect("JSON");
  assert!(
    arm["parameters"]["natGatewayId"].get("defaultValue").is_none(),
    "the NAT gateway's ID is the user's to give"
  );
  for r in arm["resources"].as_array().expect("resources") {
    let compute = c.ir.settings.subnets.iter().any(|s| {
      s.compute
        && r["name"]
          .as_str()
          .is_some_and(|n| n.contains(&format!("'{}'", s.name)))
    });
    let nat = &r["properties"]["natGateway"]["id"];
    if compute {
      assert_eq!(nat, "[parameters('natGatewayId')]", "{r}");
    } else {
      assert!(
        nat.is_null(),
        "only compute subnets egress through the NAT gateway: {r}"
      );
    }
  }
  let bicep = std::fs::read_to_string(c.dir.join("bicep/main.bicep")).expect("written");
  assert!(bicep.contains("param natGatewayId string\n"), "{bicep}");
  // No route table: the NAT gateway is the egress.
  assert!(Plan::new(&c.ir).network.route_tables.is_empty());
}
