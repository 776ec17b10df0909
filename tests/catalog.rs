//! The catalog's data and conditions: every entry is sound and cited, and each scenario's
//! documented rules appear exactly when the profile asks for them.

use amlnet::ir::{Direction, Ir, PeerKind};

fn compile(name: &str) -> Ir {
  amlnet::compile_path(std::path::Path::new(&format!(
    "{}/profiles/{name}.toml",
    env!("CARGO_MANIFEST_DIR")
  )))
  .expect("compiles")
}

fn has(ir: &Ir, direction: Direction, peer: &str, ports: &[&str]) -> bool {
  ir.flows.iter().any(|f| {
    f.direction == direction
      && f.peer == peer
      && ports.iter().all(|p| f.ports.strings().iter().any(|q| q == p))
  })
}

#[test]
fn catalog_data_is_consistent_and_every_entry_is_cited() {
  let catalog = amlnet::catalog::load().expect("catalog parses");
  assert_eq!(amlnet::catalog::check(&catalog), Vec::<String>::new());
  assert!(catalog.requirements.len() > 50);
  for r in &catalog.requirements {
    assert!(
      r.sources
        .iter()
        .any(|s| s.starts_with("SEED") || !s.starts_with("FACTS")),
      "{}: cites a seed or a document",
      r.id
    );
  }
}

#[test]
fn every_fact_is_used_by_some_condition() {
  let catalog = amlnet::catalog::get();
  for fact in amlnet::facts::Fact::ALL {
    let used = catalog
      .requirements
      .iter()
      .any(|r| r.when.iter().any(|w| w.trim_start_matches('!') == fact.name()))
      || catalog.dns.record.iter().any(|r| r.when == fact.name())
      || catalog.dns.forward.iter().any(|f| f.when == fact.name());
    let derived_only = matches!(fact, amlnet::facts::Fact::ComputeNoPublicIp);
    assert!(
      used || derived_only,
      "fact {} is not used by the catalog",
      fact.name()
    );
  }
}

#[test]
fn no_public_ip_training_has_every_seed_rule_and_no_inbound() {
  let ir = compile("training-no-public-ip");
  assert!(
    !ir.flows.iter().any(|f| f.direction == Direction::Inbound),
    "no inbound 44224 without a public IP"
  );
  let out = Direction::Outbound;
  assert!(has(&ir, out, "AzureMachineLearning", &["443", "8787", "18881"]));
  assert!(ir
    .flows
    .iter()
    .any(|f| f.id == "out-udp-AzureMachineLearning" && f.ports == ["5831"]));
  assert!(ir
    .flows
    .iter()
    .any(|f| f.id == "out-any-BatchNodeManagement.EastUS" && f.ports == ["443"]));
  for tag in [
    "AzureActiveDirectory",
    "AzureResourceManager",
    "Storage.EastUS",
    "AzureFrontDoor.Frontend",
    "MicrosoftContainerRegistry.EastUS",
    "AzureFrontDoor.FirstParty",
  ] {
    assert!(has(&ir, out, tag, &["443"]), "{tag}");
  }
  assert!(ir
    .flows
    .iter()
    .any(|f| f.id == "out-udp-eastus.tundra.azureml.ms"));
  for fqdn in [
    "graph.windows.net",
    "*.blob.core.windows.net",
    "*.queue.core.windows.net",
    "*.table.core.windows.net",
    "*.instances.azureml.net",
  ] {
    assert!(has(&ir, out, fqdn, &["443"]), "{fqdn}");
  }
  assert!(has(&ir, out, "*.instances.azureml.ms", &["443", "8787", "18881"]));
  assert!(ir
    .flows
    .iter()
    .any(|f| f.id == "out-any-*.eastus.batch.azure.com"));
  assert!(ir
    .flows
    .iter()
    .any(|f| f.id == "out-any-*.eastus.service.batch.azure.com"));
  assert!(
    has(&ir, out, "10.20.2.11/32", &["445"]),
    "SMB to the default storage file endpoint"
  );
}

#[test]
fn public_ip_training_has_the_inbound_management_rule() {
  let ir = compile("training-public-ip");
  let inbound: Vec<_> = ir
    .flows
    .iter()
    .filter(|f| f.direction == Direction::Inbound)
    .collect();
  assert_eq!(inbound.len(), 1);
  assert_eq!(
    (
      inbound[0].peer.to_string().as_str(),
      inbound[0].ports.strings().as_slice()
    ),
    ("AzureMachineLearning", &["44224".to_string()][..])
  );
}

#[test]
fn china_uses_china_names_and_no_front_door_frontend() {
  let ir = compile("china-training-no-public-ip");
  assert!(!ir.flows.iter().any(|f| f.peer == "AzureFrontDoor.Frontend"));
  assert!(ir.flows.iter().any(|f| f.peer == "chinaeast2.tundra.azureml.cn"));
  assert!(ir
    .flows
    .iter()
    .all(|f| !f.peer.to_string().ends_with("core.windows.net")));
  let zones: Vec<&str> = ir.dns_zones.iter().map(|z| z.name.as_str()).collect();
  assert!(
    zones.contains(&"privatelink.api.ml.azure.cn")
      && zones.contains(&"privatelink.notebooks.chinacloudapi.cn"),
    "{zones:?}"
  );
  assert!(
    zones.contains(&"privatelink.blob.core.chinacloudapi.cn")
      && zones.contains(&"privatelink.vaultcore.azure.cn"),
    "{zones:?}"
  );
  assert!(
    ir.dns_forwarders
      .iter()
      .any(|f| f.zone == "instances.ml.azure.ms"),
    "China keeps the .ms instances zone"
  );
}

#[test]
fn us_government_uses_its_zones_suffixes_and_host_names() {
  let ir = compile("usgov-secure-workspace");
  let zones: Vec<&str> = ir.dns_zones.iter().map(|z| z.name.as_str()).collect();
  assert!(
    zones.contains(&"privatelink.api.ml.azure.us")
      && zones.contains(&"privatelink.notebooks.usgovcloudapi.net"),
    "{zones:?}"
  );
  assert!(
    zones.contains(&"privatelink.azurecr.us") && zones.contains(&"privatelink.vaultcore.usgovcloudapi.net"),
    "{zones:?}"
  );
  for fqdn in [
    "login.microsoftonline.us",
    "usgovvirginia.tundra.azureml.us",
    "*.blob.core.usgovcloudapi.net",
    "*.vault.usgovcloudapi.net",
  ] {
    assert!(ir.flows.iter().any(|f| f.peer == fqdn), "{fqdn}");
  }
  assert!(
    ir.flows.iter().any(|f| f.peer == "AzureKeyVault.USGovVirginia"),
    "HBI workspace key vault tag"
  );
  assert!(
    ir.diagnostics.iter().any(|d| d.code == "AML301"),
    "the undocumented Gov ACR data record is reported"
  );
}

#[test]
fn registries_add_their_rules_and_records() {
  let public = compile("registry-public");
  assert!(has(
    &public,
    Direction::Outbound,
    "AzureContainerRegistry.EastUS",
    &["443"]
  ));
  assert!(public
    .flows
    .iter()
    .any(|f| f.peer == "AzureMachineLearning" && f.requirements.contains(&"registry-aml-tcp".to_string())));
  let private = compile("registry-private");
  assert!(private.dns_records.iter().any(|r| r.name
    == "9e4f1a2b-6c3d-4e5f-8a7b-1c2d3e4f5a6b.registry.eastus.privatelink.api.azureml.ms"
    && r.value.to_string() == "10.20.2.20"));
  assert!(!private
    .flows
    .iter()
    .any(|f| f.peer == "AzureContainerRegistry.EastUS"));
}

#[test]
fn online_endpoint_gets_the_inference_wildcard_and_private_scoring() {
  let ir = compile("online-endpoint-managed-vnet");
  assert!(ir.dns_records.iter().any(|r| r.name
    == "*.c4d5e6f7-a8b9-4c0d-9e1f-2a3b4c5d6e7f.inference.eastus.privatelink.api.azureml.ms"
    && r.value.to_string() == "10.20.2.6"));
  assert!(ir
    .host_records
    .iter()
    .any(|h| h.name == "fraud-scoring.eastus.inference.ml.azure.com" && h.value.to_string() == "10.20.2.6"));
  assert!(has(&ir, Direction::Outbound, "10.20.2.6/32", &["443"]));
  assert!(
    !ir
      .flows
      .iter()
      .any(|f| f.peer_kind() == PeerKind::ServiceTag && f.peer == "BatchNodeManagement.EastUS"),
    "no customer-VNet compute"
  );
}

#[test]
fn notebook_label_fits_a_dns_label() {
  let label = amlnet::lower::notebook_label(
    "a-very-long-workspace-name-indeed",
    "southeastasia",
    "0f6a1b2c-3d4e-4f50-8a9b-0c1d2e3f4a5b",
  );
  assert!(label.len() <= 63, "{label}");
  assert!(
    label.starts_with("ml-a-very") && label.ends_with("-southeastasia-0f6a1b2c-3d4e-4f50-8a9b-0c1d2e3f4a5b")
  );
}

#[test]
fn ports_merge_into_sorted_ranges() {
  let m = |p: &[&str]| amlnet::net::PortSet::parse(p).expect("ports").strings();
  assert_eq!(m(&["443", "18881", "443", "8787"]), ["443", "8787", "18881"]);
  assert_eq!(m(&["8704-8710", "8711", "80"]), ["80", "8704-8711"]);
  assert_eq!(m(&["0-65535", "443"]), ["*"]);
}

/// The same peer reached from managed compute and from the customer VNet is two flows: an
/// AKS cluster in the customer VNet of a managed-VNet workspace keeps its own pypi.org rule
/// in the firewall (it used to be folded into the managed-network flow and lost).
#[test]
fn managed_and_customer_vnet_flows_to_one_peer_stay_apart() {
  let file = crate::support::extending(
    "online-endpoint-managed-vnet",
    "aks-in-managed",
    "name = \"aks-in-managed\"\n[aks]\nname = \"aks-train\"\nsubnet = \"training\"\ntraining = true\n\
     service_cidr = \"10.100.0.0/16\"\ndns_service_ip = \"10.100.0.10\"\n",
  );
  let c = amlnet::compile(&file).unwrap_or_else(|e| panic!("{e}"));
  let pypi: Vec<_> = c.ir.flows.iter().filter(|f| f.peer == "pypi.org").collect();
  assert_eq!(
    pypi.len(),
    2,
    "{:?}",
    pypi.iter().map(|f| &f.id).collect::<Vec<_>>()
  );
  assert!(pypi.iter().any(|f| f.is_managed()) && pypi.iter().any(|f| !f.is_managed()));
  assert!(
    c.plan
      .firewall
      .application
      .rules
      .iter()
      .any(|r| r.target_fqdns == ["pypi.org"]),
    "the customer VNet's pypi.org flow is a firewall application rule"
  );
}

/// A profile written next to the shipped ones' temp copies: `extends` a shipped profile and
/// adds `extra` (arrays of tables in `extra` replace the base's whole).
fn compile_extending(base: &str, tag: &str, extra: &str) -> Ir {
  let file = crate::support::extending(base, tag, &format!("name = {tag:?}\n{extra}"));
  amlnet::compile_path(&file).unwrap_or_else(|e| panic!("{e}"))
}

/// Clients in a VNet that holds private endpoints reach them on TCP 443, with or without
/// compute in that VNet: AKS inference, and the client VNet of a managed-VNet workspace
/// (the rule used to be emitted only when compute was in the VNet).
#[test]
fn private_endpoints_without_compute_get_the_outbound_443_rule() {
  for name in ["aks-inference", "online-endpoint-managed-vnet"] {
    let ir = compile(name);
    let flow = ir
      .flows
      .iter()
      .find(|f| f.id == "out-tcp-VirtualNetwork")
      .unwrap_or_else(|| panic!("{name}: no outbound TCP rule to VirtualNetwork"));
    assert!(flow.ports.strings().iter().any(|p| p == "443"), "{name}");
    assert!(
      flow
        .requirements
        .contains(&"baseline-private-endpoints".to_string()),
      "{name}"
    );
    assert!(
      flow.triggers.iter().any(|t| t.starts_with("private_endpoints: ")),
      "{name}"
    );
  }
}

/// A public registry in another region than the workspace: its storage and container
/// registry are reached through the registry region's tags (choice `registry-region-tags`).
#[test]
fn registry_in_another_region_uses_its_own_regional_tags() {
  let ir = compile_extending(
    "registry-public",
    "registry-westeurope",
    "[[registry]]\nname = \"contoso-shared-eu\"\nid = \"5b8e2c4d-1f3a-4e6b-9c7d-0a1b2c3d4e60\"\n\
     region = \"westeurope\"\naccess = \"public\"\n",
  );
  let from_registry = |peer: &str| {
    ir.flows
      .iter()
      .any(|f| f.peer == peer && f.requirements.contains(&"registry-storage-images".to_string()))
  };
  assert!(from_registry("Storage.WestEurope"));
  assert!(from_registry("AzureContainerRegistry.WestEurope"));
  assert!(
    !from_registry("Storage.EastUS"),
    "the workspace region's storage is not the registry's"
  );
  assert!(!from_registry("AzureContainerRegistry.EastUS"));
  assert!(
    has(&ir, Direction::Outbound, "Storage.EastUS", &["443"]),
    "compute still reaches the workspace region's storage"
  );
  // A registry without a region is in the workspace region.
  let same = compile_extending(
    "registry-public",
    "registry-no-region",
    "[[registry]]\nname = \"contoso-shared\"\nid = \"5b8e2c4d-1f3a-4e6b-9c7d-0a1b2c3d4e5f\"\naccess = \"public\"\n",
  );
  assert!(same
    .flows
    .iter()
    .any(|f| f.peer == "AzureContainerRegistry.EastUS"
      && f.requirements.contains(&"registry-storage-images".to_string())));
}

/// Hugging Face as a package repository reaches the Hub itself and the hosts it hands
/// downloads to, not only the managed-network list of container hosts.
#[test]
fn hugging_face_allows_the_hub_and_its_download_hosts() {
  let ir = compile_extending(
    "training-no-public-ip",
    "huggingface",
    "[features]\npackage_repositories = [\"huggingface\"]\n",
  );
  for host in [
    "huggingface.co",
    "*.huggingface.co",
    "*.hf.co",
    "cdn-lfs.huggingface.co",
    "docker.io",
  ] {
    assert!(has(&ir, Direction::Outbound, host, &["443"]), "{host}");
  }
}

/// Serverless compute is in the customer VNet only when the profile gives it a subnet: in a
/// managed-VNet workspace it gets no customer-VNet baseline, and the package flows stay
/// managed-network rules.
#[test]
fn serverless_compute_in_a_managed_vnet_workspace_is_not_in_the_customer_vnet() {
  // Arrays of tables replace the base's whole: the image-build cluster is repeated.
  let ir = compile_extending(
    "online-endpoint-managed-vnet",
    "serverless",
    "[[compute]]\nname = \"image-builder\"\nkind = \"cluster\"\nmax_nodes = 2\n\
     [[compute]]\nname = \"sl\"\nkind = \"serverless\"\n",
  );
  let baseline = compile("online-endpoint-managed-vnet");
  let ids = |ir: &Ir| ir.flows.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
  assert_eq!(
    ids(&ir),
    ids(&baseline),
    "serverless without a subnet adds no flow of its own"
  );
  assert!(ir.flows.iter().any(|f| f.is_managed() && f.peer == "pypi.org"));
}
