//! The custom-DNS pack on real DNS servers: named-checkzone, named-checkconf, a live `named` answering
//! `dig`, unbound-checkconf and `dnsmasq --test` accept the generated files, and hickory-proto parses
//! every zone file back to the record set the IR asks for. A missing server binary fails the test
//! (`make test` installs them through scripts/install-test-deps.sh).

use std::collections::{BTreeMap, BTreeSet};
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use amlnet::backend::{Output, Target};
use amlnet::ir::{
  DnsRecord, DnsSettings, DnsZone, FirewallSettings, Forwarder, HostRecord, Ir, NsgSettings, Settings,
  Severity,
};
use amlnet::syntax::Syntax;
use hickory_proto::rr::{RData, RecordType};
use hickory_proto::serialize::txt::Parser;

const GUID: &str = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d";

/// A private endpoint for hand-built records (the DNS outputs do not read it).
fn endpoint() -> amlnet::ir::PrivateEndpoint {
  amlnet::ir::PrivateEndpoint {
    provider: "Microsoft.Storage/storageAccounts".into(),
    subresource: "blob".into(),
    created_by_azure: false,
    resource_name: None,
  }
}

/// A realistic IR for one workspace in eastus, built by hand.
fn hand_built_ir() -> Ir {
  let src = || vec!["azureml-network-facts.md section 2.1".to_string()];
  let zone = |name: &str, purpose: &str| DnsZone {
    name: name.into(),
    purpose: purpose.into(),
    sources: src(),
  };
  let record = |zone: &str, rel: &str, ip: &str, resource: &str, public: Option<String>| DnsRecord {
    zone: zone.into(),
    name: format!("{rel}.{zone}"),
    record_type: amlnet::ir::RecordType::A,
    value: ip.parse().expect("IPv4"),
    endpoint: Some(endpoint()),
    resource: resource.into(),
    public_name: public,
    sources: src(),
  };
  let host = |name: String, ip: &str, resource: &str| HostRecord {
    name,
    value: ip.parse().expect("IPv4"),
    resource: resource.into(),
    sources: src(),
  };
  let fwd = |zone: &str, on_premises: bool| Forwarder {
    zone: zone.into(),
    on_premises,
    sources: src(),
  };
  let api = "privatelink.api.azureml.ms";
  let nb = "privatelink.notebooks.azure.net";
  let blob = "privatelink.blob.core.windows.net";
  let nb_label = format!("ml-myws-eastus-{GUID}");
  let mut ir = Ir {
    format_version: amlnet::ir::FORMAT_VERSION.into(),
    amlnet_version: "0.1.0".into(),
    catalog_version: "2026.11".into(),
    profile: "hand-built".into(),
    profile_hash: "0".repeat(64),
    cloud: amlnet::ir::Cloud::AzureCloud,
    region: "eastus".into(),
    flows: vec![],
    dns_zones: vec![
      zone(api, "workspace API, cert and online endpoints"),
      zone(nb, "workspace notebooks"),
      zone(blob, "default storage account, blob"),
    ],
    dns_records: vec![
      record(
        api,
        &format!("{GUID}.workspace.eastus"),
        "10.0.1.5",
        "workspace_api",
        None,
      ),
      record(
        api,
        &format!("{GUID}.workspace.eastus.cert"),
        "10.0.1.5",
        "workspace_cert",
        None,
      ),
      record(
        api,
        &format!("*.{GUID}.inference.eastus"),
        "10.0.1.7",
        "online_endpoint",
        None,
      ),
      record(
        nb,
        &format!("{nb_label}.eastus"),
        "10.0.1.6",
        "workspace_notebooks",
        None,
      ),
      record(blob, "amlstoreeastus01", "10.0.1.8", "storage_blob", None),
    ],
    host_records: vec![
      host(
        format!("{GUID}.workspace.eastus.api.azureml.ms"),
        "10.0.1.5",
        "workspace_api",
      ),
      host(
        format!("{GUID}.workspace.eastus.cert.api.azureml.ms"),
        "10.0.1.5",
        "workspace_cert",
      ),
      host(
        format!("{nb_label}.eastus.notebooks.azure.net"),
        "10.0.1.6",
        "workspace_notebooks",
      ),
      host(
        "ci-dev01.eastus.instances.ml.azure.ms".into(),
        "10.0.1.5",
        "compute_instance",
      ),
      host(
        "ci-dev01-22.eastus.instances.ml.azure.ms".into(),
        "10.0.1.5",
        "compute_instance_ssh",
      ),
      host(
        "*.eastus.inference.ml.azure.com".into(),
        "10.0.1.7",
        "online_endpoint",
      ),
      // Every host record is a zone of its own name, forwarder zone or not.
      host(
        "amlstoreeastus01.blob.core.windows.net".into(),
        "10.0.1.8",
        "storage_blob",
      ),
    ],
    dns_forwarders: vec![
      fwd("api.azureml.ms", true),
      fwd("notebooks.azure.net", true),
      fwd("instances.ml.azure.ms", true),
      fwd("aznbcontent.net", false),
      fwd("inference.ml.azure.com", true),
    ],
    diagnostics: vec![],
    settings: Settings {
      workspace_name: "myws".into(),
      egress: amlnet::ir::Egress::Firewall,
      nsg: NsgSettings {
        name: "nsg-aml".into(),
        inbound_start: 100,
        outbound_start: 100,
        step: 10,
        deny_internet_outbound: true,
        accept_blocked_fqdn_flows: true,
      },
      firewall: FirewallSettings {
        policy_name: "fwpol-aml".into(),
        rule_collection_group: "aml".into(),
        priority: 200,
        source_addresses: vec!["10.0.0.0/16".parse().expect("prefix")],
        dns_proxy: false,
        private_ip: None,
        route_table: String::new(),
      },
      dns: DnsSettings {
        ttl: 300,
        soa_mname: "ns1.dns.contoso.internal".into(),
        soa_rname: "hostmaster.contoso.internal".into(),
        serial: 1,
        refresh: 3600,
        retry: 300,
        expire: 2419200,
        minimum: 300,
        nameservers: vec![
          "ns1.dns.contoso.internal".into(),
          "ns2.dns.contoso.internal".into(),
        ],
        azure_dns: "168.63.129.16".parse().expect("IP"),
        resolver_ip: Some("10.0.2.4".parse().expect("IP")),
      },
      vnet_name: "vnet-aml".into(),
      address_space: vec!["10.0.0.0/16".parse().expect("prefix")],
      managed_network: None,
      subnets: vec![],
      public_access: None,
    },
  };
  ir.normalize();
  ir
}

/// Text that has broken out of comments and quotes in zone files and forwarder configs: line
/// breaks of every kind followed by directives, records, `zone` statements, dnsmasq options,
/// Corefile blocks and PowerShell commands, quotes, braces, `;`, NUL and bidi controls.
const HOSTILE: &str = "evil\n$INCLUDE /etc/passwd\nwww IN A 6.6.6.6 ; \r\nzone \"evil.example\" { type master; \
  file \"/etc/passwd\"; };\u{2028}server=/evil.example/6.6.6.6\u{85}forward-zone:\n  name: \"evil.example.\"\n\
  evil.example:53 {\n  forward . 6.6.6.6\n}\n'; Remove-Item C:\\ -Recurse; '\"$(x)\0\u{202E}\r";

/// `hand_built_ir` with `HOSTILE` in every free string the DNS outputs write: the profile and
/// the versions in the provenance line, zone purposes, record resources and public names, host
/// record resources. Names and addresses are typed or validated, so they stay benign.
fn hostile_ir() -> Ir {
  let mut ir = hand_built_ir();
  ir.profile = format!("hand-built-hostile {HOSTILE}");
  ir.amlnet_version = format!("0.1.0{HOSTILE}");
  ir.catalog_version = HOSTILE.to_string();
  for zone in &mut ir.dns_zones {
    zone.purpose = HOSTILE.to_string();
  }
  for record in &mut ir.dns_records {
    record.resource = HOSTILE.to_string();
    record.public_name = Some(HOSTILE.to_string());
  }
  for host in &mut ir.host_records {
    host.resource = HOSTILE.to_string();
  }
  ir.normalize();
  ir
}

/// Every IR the server tests run on: the hand-built one, its hostile twin, every shipped
/// profile, compiled, and the hub DNS of the shipped example fleet (every workspace's records
/// in one set of zones, fleets/contoso-hub.toml).
fn irs() -> Vec<Ir> {
  let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
  let mut paths: Vec<PathBuf> = match std::fs::read_dir(&dir) {
    Ok(entries) => entries
      .filter_map(|e| e.ok().map(|e| e.path()))
      .filter(|p| p.extension().is_some_and(|x| x == "toml"))
      .collect(),
    Err(_) => Vec::new(),
  };
  paths.sort();
  let mut irs = vec![hand_built_ir(), hostile_ir()];
  for path in paths {
    irs.push(amlnet::compile_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
  }
  let fleet = Path::new(env!("CARGO_MANIFEST_DIR")).join("fleets/contoso-hub.toml");
  let hub = amlnet::fleet::compile(&fleet).unwrap_or_else(|e| panic!("{}: {e}", fleet.display()));
  let hub_ir = hub.dns.ir.expect("the example fleet has hub DNS");
  assert!(hub.spokes.iter().all(|s| s
    .compiled
    .ir
    .dns_records
    .iter()
    .all(|r| hub_ir.dns_records.contains(r))));
  irs.push(hub_ir);
  irs
}

/// The output of the three DNS backends only (the other backends are not under test here).
fn dns_output(ir: &Ir) -> Output {
  let mut out = Output::default();
  for target in [Target::BindZones, Target::HostRecords, Target::Forwarders] {
    target.render(ir, &amlnet::plan::Plan::new(ir), &mut out);
  }
  out
}

fn contents<'a>(out: &'a Output, path: &str) -> &'a str {
  match out.artifacts.iter().find(|a| a.path == path) {
    Some(a) => &a.contents,
    None => panic!(
      "no artifact {path}; have {:?}",
      out.artifacts.iter().map(|a| &a.path).collect::<Vec<_>>()
    ),
  }
}

/// A directory under the system temp dir, removed on drop (also when the test panics).
struct TempDir(PathBuf);

impl TempDir {
  fn new(tag: &str) -> TempDir {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("amlnet-dns-{}-{tag}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
  }

  fn path(&self) -> &Path {
    &self.0
  }
}

impl Drop for TempDir {
  fn drop(&mut self) {
    let _ = std::fs::remove_dir_all(&self.0);
  }
}

/// Write every artifact under `dir/out` and return that directory.
fn write_out(out: &Output, dir: &Path) -> PathBuf {
  let root = dir.join("out");
  for artifact in &out.artifacts {
    let path = root.join(&artifact.path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &artifact.contents).unwrap();
  }
  root
}

/// The path of a server binary. Missing is a failure, never a skip.
fn tool(name: &str) -> PathBuf {
  let path = std::env::var_os("PATH").unwrap_or_default();
  let dirs = std::env::split_paths(&path).chain(["/usr/sbin", "/sbin", "/usr/bin"].map(PathBuf::from));
  for dir in dirs {
    let candidate = dir.join(name);
    if candidate.is_file() {
      return candidate;
    }
  }
  panic!(
    "`{name}` is not installed: run `make deps` (scripts/install-test-deps.sh, list in scripts/deps/apt.txt)"
  );
}

/// Run a command; panic with its output unless it exits 0. Returns stdout.
fn run(cmd: &mut Command) -> String {
  let output = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
  let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
  let stderr = String::from_utf8_lossy(&output.stderr);
  assert!(
    output.status.success(),
    "{cmd:?} failed ({}):\n{stdout}\n{stderr}",
    output.status
  );
  stdout
}

/// A port free for both UDP and TCP on 127.0.0.1 (named listens on both).
fn free_port() -> u16 {
  for _ in 0..50 {
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = udp.local_addr().unwrap().port();
    if TcpListener::bind(("127.0.0.1", port)).is_ok() {
      return port;
    }
  }
  panic!("no port free for both UDP and TCP on 127.0.0.1");
}

/// Private zone files and host-record zone files: (zone name, artifact path).
fn zone_files(out: &Output) -> Vec<(String, String)> {
  out
    .artifacts
    .iter()
    .filter(|a| a.path.ends_with(".zone"))
    .map(|a| {
      let file = a.path.rsplit('/').next().unwrap();
      (file.trim_end_matches(".zone").to_string(), a.path.clone())
    })
    .collect()
}

/// `options { }` for a throw-away named: own directory, port, pid and key files; no rndc channel.
fn named_conf(dns_dir: &Path, state: &Path, port: u16, recursion: bool, includes: &[PathBuf]) -> String {
  let yes_no = if recursion { "yes" } else { "no" };
  let mut conf = format!(
    "options {{\n  directory \"{}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n  \
     pid-file \"{s}/named.pid\";\n  session-keyfile \"{s}/session.key\";\n  managed-keys-directory \"{s}\";\n  \
     recursion {yes_no};\n  allow-recursion {{ 127.0.0.1; }};\n  dnssec-validation no;\n}};\ncontrols {{ }};\n",
    dns_dir.display(),
    s = state.display(),
  );
  for include in includes {
    conf.push_str(&format!("include \"{}\";\n", include.display()));
  }
  conf
}

#[test]
fn named_checkzone_accepts_every_zone_file() {
  let checkzone = tool("named-checkzone");
  for ir in irs() {
    let out = dns_output(&ir);
    let zones = zone_files(&out);
    assert!(
      zones.len() >= ir.dns_zones.len(),
      "{}: fewer zone files than private zones",
      ir.profile
    );
    let tmp = TempDir::new("checkzone");
    let root = write_out(&out, tmp.path());
    for (zone, path) in zones {
      // -k fail: host-name syntax of owners is an error, as on a primary server. -i local: integrity of
      // in-zone names (what named checks on load); the name servers are out of zone and not resolvable here.
      run(
        Command::new(&checkzone)
          .args(["-k", "fail", "-i", "local", &zone])
          .arg(root.join(&path)),
      );
    }
  }
}

/// The generated fragments that load zone files (private, then host records), those that exist.
fn zone_fragments(dns: &Path) -> Vec<PathBuf> {
  ["named.conf.zones", "host-records/named.conf.zones"]
    .iter()
    .map(|f| dns.join(f))
    .filter(|p| p.exists())
    .collect()
}

#[test]
fn named_checkconf_accepts_generated_config() {
  let checkconf = tool("named-checkconf");
  for ir in irs() {
    let out = dns_output(&ir);
    let tmp = TempDir::new("checkconf");
    let root = write_out(&out, tmp.path());
    let dns = root.join("dns");
    // Authoritative: the private zones and the host-record zones, loaded (-z) by their relative paths.
    let authoritative = zone_fragments(&dns);
    assert_eq!(
      authoritative.is_empty(),
      ir.dns_zones.is_empty() && ir.host_records.is_empty(),
      "{}: zone fragments do not match the IR",
      ir.profile
    );
    if !authoritative.is_empty() {
      let conf = tmp.path().join("authoritative.conf");
      std::fs::write(&conf, named_conf(&dns, tmp.path(), 5300, false, &authoritative)).unwrap();
      run(Command::new(&checkconf).arg("-z").arg(&conf));
    }
    // Forwarders: each set on its own (a server forwards or holds host records, not both, for one zone).
    let mut sets = 0;
    for set in ["vnet", "on-premises"] {
      let fragment = dns.join(format!("forwarders/{set}/named.conf.forwarders"));
      if !fragment.exists() {
        continue;
      }
      sets += 1;
      // The private zones and the forwarders of the public zones coexist on one server.
      let mut includes: Vec<PathBuf> = Some(dns.join("named.conf.zones"))
        .into_iter()
        .filter(|p| p.exists())
        .collect();
      includes.push(fragment);
      let conf = tmp.path().join(format!("{set}.conf"));
      std::fs::write(&conf, named_conf(&dns, tmp.path(), 5300, true, &includes)).unwrap();
      run(Command::new(&checkconf).arg("-z").arg(&conf));
    }
    assert!(
      sets >= 1 || ir.dns_forwarders.is_empty(),
      "{}: no forwarder set written",
      ir.profile
    );
  }
}

/// Kills and reaps the server when the test ends, passed or failed.
struct ServerGuard(Child);

impl Drop for ServerGuard {
  fn drop(&mut self) {
    let _ = self.0.kill();
    let _ = self.0.wait();
  }
}

/// Answers by (owner, type), rdata sorted; owners lower-case without the trailing dot.
type Answers = BTreeMap<(String, String), Vec<String>>;

/// Ask every query in one `dig -f` run. `None` when dig failed (no server listening yet).
fn dig_batch(port: u16, batch: &Path, queries: &[(String, String)]) -> Option<Answers> {
  let lines: String = queries
    .iter()
    .map(|(name, rtype)| format!("{name} {rtype}\n"))
    .collect();
  std::fs::write(batch, lines).unwrap();
  let output = Command::new(tool("dig"))
    .args([
      "@127.0.0.1",
      "-p",
      &port.to_string(),
      "+noall",
      "+answer",
      "+time=1",
      "+tries=1",
      "-f",
    ])
    .arg(batch)
    .stdin(Stdio::null())
    .output()
    .unwrap_or_else(|e| panic!("cannot run dig: {e}"));
  if !output.status.success() {
    return None;
  }
  let mut answers = Answers::new();
  for line in String::from_utf8_lossy(&output.stdout)
    .lines()
    .filter(|l| !l.starts_with(';'))
  {
    // owner TTL class type rdata...
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() >= 5 {
      answers
        .entry((bare(fields[0]), fields[3].to_string()))
        .or_default()
        .push(fields[4..].join(" "));
    }
  }
  answers.values_mut().for_each(|v| v.sort());
  Some(answers)
}

/// A concrete name a wildcard owner answers for (one that no explicit record takes).
fn probe_name(name: &str) -> String {
  match name.strip_prefix("*.") {
    Some(rest) => format!("myendpoint.{rest}"),
    None => name.to_string(),
  }
}

/// Name → (query type, sorted addresses) every A/AAAA record and host record of the IR should answer.
fn expected_answers(ir: &Ir) -> BTreeMap<(String, &'static str), Vec<String>> {
  let mut expected: BTreeMap<(String, &'static str), Vec<String>> = BTreeMap::new();
  let records = ir
    .dns_records
    .iter()
    .map(|r| (r.name.as_str(), r.value.to_string()))
    .chain(
      ir.host_records
        .iter()
        .map(|h| (h.name.as_str(), h.value.to_string())),
    );
  for (name, value) in records {
    let rtype = if value.contains(':') { "AAAA" } else { "A" };
    expected
      .entry((probe_name(name).to_ascii_lowercase(), rtype))
      .or_default()
      .push(value.to_string());
  }
  for values in expected.values_mut() {
    values.sort();
    values.dedup();
  }
  expected
}

#[test]
fn named_serves_every_expected_name() {
  let named = tool("named");
  tool("dig");
  let mut wildcard_probes = 0;
  for ir in irs() {
    let out = dns_output(&ir);
    let tmp = TempDir::new("named");
    let root = write_out(&out, tmp.path());
    let dns = root.join("dns");
    let includes = zone_fragments(&dns);
    if includes.is_empty() {
      assert!(
        ir.dns_zones.is_empty() && ir.host_records.is_empty(),
        "{}: no zone fragment",
        ir.profile
      );
      continue;
    }
    let port = free_port();
    let conf = tmp.path().join("named.conf");
    std::fs::write(&conf, named_conf(&dns, tmp.path(), port, false, &includes)).unwrap();
    let log_path = tmp.path().join("named.log");
    let log = std::fs::File::create(&log_path).unwrap();
    // -g: foreground, log to stderr (into named.log). Run as the current user (root here); no -u needed.
    let child = Command::new(&named)
      .arg("-g")
      .arg("-4")
      .arg("-c")
      .arg(&conf)
      .stdin(Stdio::null())
      .stdout(Stdio::null())
      .stderr(log)
      .spawn()
      .unwrap_or_else(|e| panic!("cannot start {}: {e}", named.display()));
    let mut guard = ServerGuard(child);
    let log_text = || std::fs::read_to_string(&log_path).unwrap_or_default();

    // Ready when every zone answers its SOA. Bounded: 100 tries, 100 ms apart.
    let zones = zone_files(&out);
    let batch = tmp.path().join("queries");
    let soa_queries: Vec<(String, String)> = zones
      .iter()
      .map(|(z, _)| (z.clone(), "SOA".to_string()))
      .collect();
    let mut ready = false;
    for _ in 0..100 {
      if let Ok(Some(status)) = guard.0.try_wait() {
        panic!("named exited early ({status}):\n{}", log_text());
      }
      if dig_batch(port, &batch, &soa_queries).is_some_and(|a| soa_queries.iter().all(|q| a.contains_key(q)))
      {
        ready = true;
        break;
      }
      std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
      ready,
      "named did not serve every zone within 10 s:\n{}",
      log_text()
    );

    let expected = expected_answers(&ir);
    wildcard_probes += expected
      .keys()
      .filter(|(name, _)| name.starts_with("myendpoint."))
      .count();
    // A name no record covers must get no answer (no wildcard hit by accident), unless the apex has a wildcard.
    let wildcard_apexes: BTreeSet<String> = ir
      .dns_records
      .iter()
      .map(|r| r.name.as_str())
      .chain(ir.host_records.iter().map(|h| h.name.as_str()))
      .filter_map(|n| n.strip_prefix("*.").map(str::to_ascii_lowercase))
      .collect();
    let absent: Vec<(String, String)> = zones
      .iter()
      .filter(|(z, _)| !wildcard_apexes.contains(z))
      .map(|(z, _)| (format!("no-such-name.{z}"), "A".to_string()))
      .collect();
    let queries: Vec<(String, String)> = expected
      .keys()
      .map(|(n, t)| (n.clone(), t.to_string()))
      .chain(absent.iter().cloned())
      .collect();
    let answers = dig_batch(port, &batch, &queries)
      .unwrap_or_else(|| panic!("{}: dig failed after named was ready\n{}", ir.profile, log_text()));
    for ((name, rtype), values) in &expected {
      let got = answers.get(&(name.clone(), rtype.to_string()));
      assert_eq!(
        got,
        Some(values),
        "{}: dig {name} {rtype}\n{}",
        ir.profile,
        log_text()
      );
    }
    for query in &absent {
      assert_eq!(answers.get(query), None, "{}: {} answered", ir.profile, query.0);
    }
  }
  // The hand-built IR has wildcards in a private zone and among the host records.
  assert!(
    wildcard_probes >= 2,
    "only {wildcard_probes} names matched only by a wildcard were asked"
  );
}

#[test]
fn unbound_and_dnsmasq_accept_forwarders() {
  let checkconf = tool("unbound-checkconf");
  let dnsmasq = tool("dnsmasq");
  for ir in irs() {
    let out = dns_output(&ir);
    let tmp = TempDir::new("forwarders");
    let root = write_out(&out, tmp.path());
    let mut checked = 0;
    for set in ["vnet", "on-premises"] {
      let dir = root.join("dns/forwarders").join(set);
      if !dir.exists() {
        continue;
      }
      checked += 1;
      // unbound: the fragment is included after a minimal server: clause that needs no chroot or user.
      let conf = tmp.path().join(format!("unbound-{set}.conf"));
      std::fs::write(
        &conf,
        format!(
          "server:\n  chroot: \"\"\n  username: \"\"\n  directory: \"{}\"\n  pidfile: \"\"\n  use-syslog: no\n  \
           interface: 127.0.0.1\n  port: 5300\n  do-ip6: no\ninclude: \"{}\"\n",
          tmp.path().display(),
          dir.join("unbound.conf").display()
        ),
      )
      .unwrap();
      let report = run(Command::new(&checkconf).arg(&conf));
      assert!(report.contains("no errors"), "unbound-checkconf: {report}");
      // The zones really are forward zones after parsing: ask unbound-checkconf for one of them.
      let first = ir
        .dns_forwarders
        .iter()
        .find(|f| set == "vnet" || f.on_premises)
        .unwrap();
      let text = contents(&out, &format!("dns/forwarders/{set}/unbound.conf"));
      assert!(text.contains(&format!("name: \"{}.\"", first.zone)), "{text}");

      run(
        Command::new(&dnsmasq)
          .arg("--test")
          .arg(format!("--conf-file={}", dir.join("dnsmasq.conf").display())),
      );
    }
    assert!(
      checked >= 1 || ir.dns_forwarders.is_empty(),
      "{}: no forwarder set written",
      ir.profile
    );
  }
}

/// (owner, type, rdata) of a parsed or expected record, names lower-case without the trailing dot.
type Rr = (String, String, String);

fn bare(name: impl std::fmt::Display) -> String {
  name.to_string().trim_end_matches('.').to_ascii_lowercase()
}

fn parse_zone(text: &str, origin: &str) -> (String, BTreeSet<Rr>, BTreeSet<u32>) {
  let origin_name = hickory_proto::rr::Name::from_ascii(format!("{origin}.")).unwrap();
  let (parsed_origin, sets) = Parser::new(text, None, Some(origin_name))
    .parse()
    .unwrap_or_else(|e| panic!("hickory-proto cannot parse zone {origin}: {e}\n{text}"));
  let mut records = BTreeSet::new();
  let mut ttls = BTreeSet::new();
  for set in sets.values() {
    for record in set.records_without_rrsigs() {
      ttls.insert(record.ttl);
      let data = match &record.data {
        RData::A(a) => a.0.to_string(),
        RData::AAAA(a) => a.0.to_string(),
        RData::NS(ns) => bare(&ns.0),
        RData::CNAME(c) => bare(&c.0),
        RData::SOA(soa) => format!(
          "{} {} {} {} {} {} {}",
          bare(&soa.mname),
          bare(&soa.rname),
          soa.serial,
          soa.refresh,
          soa.retry,
          soa.expire,
          soa.minimum
        ),
        other => panic!("unexpected record in {origin}: {other:?}"),
      };
      records.insert((bare(&record.name), record.record_type().to_string(), data));
    }
  }
  (bare(parsed_origin), records, ttls)
}

/// SOA and NS records every zone carries, from the settings.
fn apex_records(ir: &Ir, zone: &str) -> BTreeSet<Rr> {
  let d = &ir.settings.dns;
  let mut set = BTreeSet::from([(
    zone.to_string(),
    RecordType::SOA.to_string(),
    format!(
      "{} {} {} {} {} {} {}",
      bare(&d.soa_mname),
      bare(d.soa_rname.replace('@', ".")),
      d.serial,
      d.refresh,
      d.retry,
      d.expire,
      d.minimum
    ),
  )]);
  let nameservers = if d.nameservers.is_empty() {
    vec![d.soa_mname.clone()]
  } else {
    d.nameservers.clone()
  };
  for ns in nameservers {
    set.insert((zone.to_string(), RecordType::NS.to_string(), bare(ns)));
  }
  set
}

#[test]
fn hickory_parses_zone_files_back_to_the_ir() {
  for ir in irs() {
    let out = dns_output(&ir);
    // Private zones: exactly SOA + NS + the zone's records of the IR.
    for zone in &ir.dns_zones {
      let path = format!("dns/zones/{}.zone", zone.name);
      let (origin, records, ttls) = parse_zone(contents(&out, &path), &zone.name);
      assert_eq!(origin, zone.name);
      let mut expected = apex_records(&ir, &zone.name);
      for r in ir.dns_records.iter().filter(|r| r.zone == zone.name) {
        expected.insert((
          r.name.to_ascii_lowercase(),
          r.record_type.as_str().to_string(),
          r.value.to_string(),
        ));
      }
      assert_eq!(records, expected, "{}: {path}", ir.profile);
      assert_eq!(
        ttls,
        BTreeSet::from([ir.settings.dns.ttl]),
        "{}: {path}",
        ir.profile
      );
    }
    // Host-record zones: each has SOA + NS, and together they hold exactly the host records.
    let mut host_rrs = BTreeSet::new();
    for (zone, path) in zone_files(&out)
      .into_iter()
      .filter(|(_, p)| p.starts_with("dns/host-records/"))
    {
      let (origin, records, _) = parse_zone(contents(&out, &path), &zone);
      assert_eq!(origin, zone);
      let apex = apex_records(&ir, &zone);
      assert!(apex.is_subset(&records), "{}: {path} lacks SOA/NS", ir.profile);
      for rr in records.difference(&apex) {
        assert!(
          rr.0 == zone || rr.0.ends_with(&format!(".{zone}")),
          "{path}: {rr:?} outside the zone"
        );
        assert!(host_rrs.insert(rr.clone()), "{path}: {rr:?} is in two zone files");
      }
    }
    let expected: BTreeSet<Rr> = ir
      .host_records
      .iter()
      .map(|h| (h.name.to_ascii_lowercase(), "A".to_string(), h.value.to_string()))
      .collect();
    assert_eq!(host_rrs, expected, "{}: host-record zones", ir.profile);
  }
}

#[test]
fn artifacts_carry_provenance_and_zone_files_start_with_origin() {
  for ir in irs() {
    let out = dns_output(&ir);
    // The one provenance line (`syntax::stamp`), in each file's comment syntax.
    let has_dns = !(ir.dns_zones.is_empty() && ir.host_records.is_empty() && ir.dns_forwarders.is_empty());
    assert_eq!(!out.artifacts.is_empty(), has_dns, "{}", ir.profile);
    for artifact in &out.artifacts {
      let syntax = match artifact.path.rsplit('/').next().unwrap() {
        f if f.ends_with(".zone") => Syntax::Zone,
        f if f.starts_with("named.conf") => Syntax::NamedConf,
        "unbound.conf" => Syntax::Unbound,
        "dnsmasq.conf" => Syntax::Dnsmasq,
        "Corefile" => Syntax::Corefile,
        f if f.ends_with(".ps1") => Syntax::PowerShell,
        _ => Syntax::Text,
      };
      let stamp = amlnet::syntax::stamp(&ir, syntax);
      assert!(
        artifact.contents.starts_with(&stamp),
        "{}: does not start with {stamp:?}",
        artifact.path
      );
      assert!(stamp.contains("generated by amlnet ") && stamp.lines().count() == 1);
      assert!(artifact.contents.ends_with('\n'), "{}", artifact.path);
      if artifact.path.ends_with(".zone") {
        let directive = artifact
          .contents
          .lines()
          .find(|l| !l.starts_with(';'))
          .unwrap_or("");
        assert!(
          directive.starts_with("$ORIGIN "),
          "{}: first directive is `{directive}`",
          artifact.path
        );
      }
    }
  }
}

#[test]
fn dns_output_is_deterministic() {
  let ir = hand_built_ir();
  let a = dns_output(&ir);
  let mut shuffled = ir.clone();
  shuffled.dns_records.reverse();
  shuffled.host_records.reverse();
  shuffled.dns_forwarders.reverse();
  shuffled.dns_zones.reverse();
  let b = dns_output(&shuffled);
  assert_eq!(a.artifacts, b.artifacts);
}

#[test]
fn layout_and_forwarder_sets_follow_the_ir() {
  let ir = hand_built_ir();
  let out = dns_output(&ir);
  let paths: BTreeSet<&str> = out.artifacts.iter().map(|a| a.path.as_str()).collect();
  for path in [
    "dns/named.conf.zones",
    "dns/zones/privatelink.api.azureml.ms.zone",
    "dns/host-records/named.conf.zones",
    "dns/host-records/amlstoreeastus01.blob.core.windows.net.zone",
    "dns/host-records/ci-dev01-22.eastus.instances.ml.azure.ms.zone",
    "dns/host-records/eastus.inference.ml.azure.com.zone",
    "dns/hosts",
    "dns/forwarders/vnet/windows-dns.ps1",
    "dns/forwarders/on-premises/Corefile",
  ] {
    assert!(paths.contains(path), "missing {path} in {paths:?}");
  }
  assert!(contents(&out, "dns/named.conf.zones").contains(
    "zone \"privatelink.api.azureml.ms\" { type master; file \"zones/privatelink.api.azureml.ms.zone\"; };"
  ));
  // aznbcontent.net goes to Azure DNS from the VNet but is not forwarded from on-premises.
  let vnet = contents(&out, "dns/forwarders/vnet/named.conf.forwarders");
  assert!(
    vnet.contains("zone \"aznbcontent.net\" { type forward; forward only; forwarders { 168.63.129.16; }; };")
  );
  let onprem = contents(&out, "dns/forwarders/on-premises/dnsmasq.conf");
  assert!(
    onprem.contains("server=/api.azureml.ms/10.0.2.4\n") && !onprem.contains("aznbcontent.net"),
    "{onprem}"
  );
  // The wildcard host record is in its zone file but not in the hosts file, and a note says so.
  let hosts = contents(&out, "dns/hosts");
  assert!(
    !hosts.contains('*') && hosts.contains("10.0.1.5 ci-dev01-22.eastus.instances.ml.azure.ms\n"),
    "{hosts}"
  );
  assert!(out
    .notes
    .iter()
    .any(|n| n.severity == Severity::Warning && n.message.contains("*.eastus.inference")));
  // A host-record zone never covers a whole public domain.
  assert!(
    !paths.contains("dns/host-records/blob.core.windows.net.zone")
      && !paths.contains("dns/host-records/api.azureml.ms.zone")
  );
  assert!(
    out.notes.iter().all(|n| n.severity != Severity::Error),
    "{:?}",
    out.notes
  );

  // Without a resolver, no on-premises set and an Info note.
  let mut no_resolver = ir.clone();
  no_resolver.settings.dns.resolver_ip = None;
  let out = dns_output(&no_resolver);
  assert!(out
    .artifacts
    .iter()
    .all(|a| !a.path.starts_with("dns/forwarders/on-premises/")));
  assert!(out
    .artifacts
    .iter()
    .any(|a| a.path.starts_with("dns/forwarders/vnet/")));
  assert!(
    out
      .notes
      .iter()
      .any(|n| n.severity == Severity::Info && n.message.contains("resolver")),
    "{:?}",
    out.notes
  );
}

#[test]
fn invalid_names_are_errors_and_are_not_written() {
  let mut ir = hand_built_ir();
  let long_label = "a".repeat(64);
  let bad = [
    format!("{long_label}.privatelink.api.azureml.ms"),
    "a.*.privatelink.api.azureml.ms".to_string(),
    "bad_name.privatelink.api.azureml.ms".to_string(),
    format!("{}privatelink.api.azureml.ms", "abcdefghi.".repeat(25)),
  ];
  for name in &bad {
    ir.dns_records.push(DnsRecord {
      zone: "privatelink.api.azureml.ms".into(),
      name: name.clone(),
      record_type: amlnet::ir::RecordType::A,
      value: "10.0.1.9".parse().expect("IPv4"),
      endpoint: Some(endpoint()),
      resource: "bad".into(),
      public_name: None,
      sources: vec![],
    });
  }
  ir.dns_forwarders.push(Forwarder {
    zone: "*.example.com".into(),
    on_premises: true,
    sources: vec![],
  });
  ir.normalize();
  let out = dns_output(&ir);
  for name in bad.iter().map(String::as_str).chain(["*.example.com"]) {
    assert!(
      out
        .notes
        .iter()
        .any(|n| n.severity == Severity::Error && n.code == "AML701" && n.message.contains(name)),
      "no error note for {name}: {:?}",
      out.notes
    );
  }
  for artifact in &out.artifacts {
    assert!(
      !artifact.contents.contains("10.0.1.9"),
      "{} holds an invalid record",
      artifact.path
    );
    assert!(
      !artifact.contents.contains("example.com"),
      "{} holds an invalid forwarder",
      artifact.path
    );
  }
}

/// Hostile free strings change no line but comments: the hostile IR gives the same files as the
/// benign one, each with the same lines once comments are set aside, every comment still one
/// line, and no line of a forwarder config or hosts file names what the strings tried to add.
/// (The servers and hickory check the hostile files too: `irs()` holds `hostile_ir()`.)
#[test]
fn hostile_strings_stay_in_comments() {
  let benign = dns_output(&hand_built_ir());
  let hostile = dns_output(&hostile_ir());
  let paths = |out: &Output| out.artifacts.iter().map(|a| a.path.clone()).collect::<Vec<_>>();
  assert_eq!(paths(&benign), paths(&hostile));
  assert!(
    hostile.notes.iter().all(|n| n.severity != Severity::Error),
    "{:?}",
    hostile.notes
  );
  // What is left of a file without its comments: whole comment lines and trailing `; …` of zone files.
  fn code(path: &str, text: &str) -> Vec<String> {
    let leader = match path.rsplit('/').next().unwrap() {
      f if f.ends_with(".zone") => ";",
      f if f.starts_with("named.conf") => "//",
      _ => "#",
    };
    text
      .lines()
      .filter(|l| !l.starts_with(leader))
      .map(|l| match l.split_once(" ; ") {
        Some((record, _)) if path.ends_with(".zone") => record.trim_end().to_string(),
        _ => l.to_string(),
      })
      .collect()
  }
  for (b, h) in benign.artifacts.iter().zip(&hostile.artifacts) {
    assert_eq!(
      code(&b.path, &b.contents),
      code(&h.path, &h.contents),
      "{}:\n{}",
      h.path,
      h.contents
    );
    assert_eq!(
      b.contents.lines().count(),
      h.contents.lines().count(),
      "{}: a hostile string added a line:\n{}",
      h.path,
      h.contents
    );
    for line in h.contents.lines() {
      assert!(
        !line.chars().any(amlnet::syntax::is_hazard),
        "{}: raw control or bidi character in {line:?}",
        h.path
      );
    }
  }
}
