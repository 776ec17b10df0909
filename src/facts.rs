//! Facts: the yes/no questions catalog conditions ask about a profile.
//!
//! Takes the model, returns for each fact that holds the profile settings that make it
//! hold ("compute ci-a: public_ip = false at p.toml:30:1"), which `explain` shows as
//! triggers. The vocabulary is closed: the catalog check rejects unknown fact names.

use std::collections::BTreeMap;

use crate::model::{Access, Features, IsolationMode, Model, Setting};

macro_rules! facts {
  ($($variant:ident = $name:literal),* $(,)?) => {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
    pub enum Fact { $($variant),* }

    impl Fact {
      pub const ALL: &'static [Fact] = &[$(Fact::$variant),*];

      pub fn name(self) -> &'static str {
        match self { $(Fact::$variant => $name),* }
      }

      pub fn parse(s: &str) -> Option<Fact> {
        match s { $($name => Some(Fact::$variant),)* _ => None }
      }
    }
  };
}

facts! {
  Compute = "compute",
  ComputePublicIp = "compute_public_ip",
  ComputeNoPublicIp = "compute_no_public_ip",
  WorkspacePrivateEndpoint = "workspace_private_endpoint",
  PrivateEndpoints = "private_endpoints",
  StoragePrivateEndpoint = "storage_private_endpoint",
  StorageFilePrivateEndpoint = "storage_file_private_endpoint",
  KeyVaultPrivateEndpoint = "key_vault_private_endpoint",
  AcrPrivateEndpoint = "acr_private_endpoint",
  AzureMonitorPrivateLink = "azure_monitor_private_link",
  HbiWorkspace = "hbi_workspace",
  FirewallBetweenComputeAndStorage = "firewall_between_compute_and_storage",
  FqdnAlternatives = "fqdn_alternatives",
  Studio = "studio",
  Vscode = "vscode",
  VscodeWeb = "vscode_web",
  Rstudio = "rstudio",
  AutomlNlpVision = "automl_nlp_vision",
  PackagesConda = "packages_conda",
  PackagesCran = "packages_cran",
  PackagesHuggingface = "packages_huggingface",
  PackagesPypi = "packages_pypi",
  PackagesPytorch = "packages_pytorch",
  PackagesTensorflow = "packages_tensorflow",
  ImageBuild = "image_build",
  RegistryPublic = "registry_public",
  RegistryPrivate = "registry_private",
  OnlineEndpointPrivate = "online_endpoint_private",
  Aks = "aks",
  AksTraining = "aks_training",
}

/// The facts that hold, each with the settings that make it hold.
#[derive(Debug, Default)]
pub struct Facts {
  holds: BTreeMap<Fact, Vec<String>>,
}

impl Facts {
  pub fn holds(&self, fact: Fact) -> bool {
    self.holds.contains_key(&fact)
  }

  pub fn triggers(&self, fact: Fact) -> &[String] {
    self.holds.get(&fact).map_or(&[], Vec::as_slice)
  }

  /// Does a catalog condition list ("fact" or "!fact", all must hold) hold?
  pub fn satisfy(&self, when: &[String]) -> bool {
    when.iter().all(|w| match w.strip_prefix('!') {
      Some(negated) => Fact::parse(negated).is_some_and(|f| !self.holds(f)),
      None => Fact::parse(w).is_some_and(|f| self.holds(f)),
    })
  }

  /// Trigger lines for a satisfied condition list.
  pub fn explain(&self, when: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for w in when {
      match w.strip_prefix('!') {
        Some(negated) => out.push(format!("{negated}: not set")),
        None => {
          if let Some(f) = Fact::parse(w) {
            out.extend(self.triggers(f).iter().map(|t| format!("{w}: {t}")));
          }
        }
      }
    }
    out
  }

  fn set(&mut self, fact: Fact, why: impl Into<String>) {
    self.holds.entry(fact).or_default().push(why.into());
  }

  fn flag(&mut self, fact: Fact, key: &str, flag: &Option<Setting<bool>>) {
    if let Some(s) = Features::on(flag) {
      self.set(fact, format!("{key} = true at {}", s.at));
    }
  }
}

fn at(s: &str) -> String {
  if s.is_empty() {
    "(default)".to_string()
  } else {
    format!("at {s}")
  }
}

pub fn evaluate(m: &Model) -> Facts {
  let mut f = Facts::default();
  let in_vnet: Vec<_> = m
    .computes
    .iter()
    // Serverless compute is in the customer VNet only when the profile gives it a subnet;
    // otherwise it runs in Azure's network or the workspace managed VNet.
    .filter(|c| c.subnet.is_some())
    .collect();
  for c in &in_vnet {
    f.set(
      Fact::Compute,
      format!("compute `{}` is in the VNet, at {}", c.name, c.at),
    );
    let fact = if c.public_ip.value {
      Fact::ComputePublicIp
    } else {
      Fact::ComputeNoPublicIp
    };
    f.set(
      fact,
      format!(
        "compute `{}`: public_ip = {} {}",
        c.name,
        c.public_ip.value,
        at(&c.public_ip.at)
      ),
    );
  }
  if let Some(pe) = &m.workspace.private_endpoint {
    f.set(
      Fact::WorkspacePrivateEndpoint,
      format!("workspace.private_endpoint.ip at {}", pe.ip.at),
    );
    f.set(
      Fact::PrivateEndpoints,
      format!("workspace private endpoint at {}", pe.ip.at),
    );
  }
  if let Some(s) = m
    .storage
    .as_ref()
    .filter(|s| s.access.value == Access::PrivateEndpoint)
  {
    f.set(
      Fact::StoragePrivateEndpoint,
      format!("storage.access = \"private-endpoint\" at {}", s.access.at),
    );
    f.set(
      Fact::PrivateEndpoints,
      format!("storage private endpoint at {}", s.access.at),
    );
    if let Some((_, ip)) = s.endpoints.iter().find(|(sub, _)| sub == "file") {
      f.set(
        Fact::StorageFilePrivateEndpoint,
        format!("storage.private_endpoint.file at {}", ip.at),
      );
    }
  }
  if let Some(kv) = m
    .key_vault
    .as_ref()
    .filter(|k| k.access.value == Access::PrivateEndpoint)
  {
    f.set(
      Fact::KeyVaultPrivateEndpoint,
      format!("key_vault.access = \"private-endpoint\" at {}", kv.access.at),
    );
    f.set(
      Fact::PrivateEndpoints,
      format!("key vault private endpoint at {}", kv.access.at),
    );
  }
  if let Some(cr) = m
    .container_registry
    .as_ref()
    .filter(|c| c.access.value == Access::PrivateEndpoint)
  {
    f.set(
      Fact::AcrPrivateEndpoint,
      format!(
        "container_registry.access = \"private-endpoint\" at {}",
        cr.access.at
      ),
    );
    f.set(
      Fact::PrivateEndpoints,
      format!("container registry private endpoint at {}", cr.access.at),
    );
    if let Some(build) = &m.workspace.image_build_compute {
      f.set(
        Fact::ImageBuild,
        format!(
          "workspace.image_build_compute = \"{}\" at {}",
          build.value, build.at
        ),
      );
    }
  }
  if m.app_insights_private_link.value {
    f.set(
      Fact::AzureMonitorPrivateLink,
      format!(
        "application_insights.access = \"private-link\" at {}",
        m.app_insights_private_link.at
      ),
    );
  }
  if m.workspace.hbi.value {
    f.set(
      Fact::HbiWorkspace,
      format!("workspace.hbi_workspace = true at {}", m.workspace.hbi.at),
    );
  }
  let fw = &m.network.firewall_between_compute_and_storage;
  if fw.value {
    f.set(
      Fact::FirewallBetweenComputeAndStorage,
      format!("network.firewall_between_compute_and_storage = true at {}", fw.at),
    );
  }
  if !m.network.service_tags.value {
    f.set(
      Fact::FqdnAlternatives,
      format!("network.service_tags = false at {}", m.network.service_tags.at),
    );
  }
  let feat = &m.features;
  f.flag(Fact::Studio, "features.studio", &feat.studio);
  f.flag(Fact::Vscode, "features.vscode", &feat.vscode);
  f.flag(Fact::VscodeWeb, "features.vscode_web", &feat.vscode_web);
  f.flag(Fact::Rstudio, "features.rstudio", &feat.rstudio);
  f.flag(
    Fact::AutomlNlpVision,
    "features.automl_nlp_vision",
    &feat.automl_nlp_vision,
  );
  for repo in &feat.package_repositories {
    if let Some(fact) = Fact::parse(&format!("packages_{}", repo.value)) {
      f.set(
        fact,
        format!(
          "features.package_repositories has \"{}\" at {}",
          repo.value, repo.at
        ),
      );
    }
  }
  for r in &m.registries {
    let fact = if r.access.value == Access::PrivateEndpoint {
      Fact::RegistryPrivate
    } else {
      Fact::RegistryPublic
    };
    f.set(
      fact,
      format!("registry `{}`: access {}", r.name, at(&r.access.at)),
    );
    if fact == Fact::RegistryPrivate {
      f.set(
        Fact::PrivateEndpoints,
        format!("registry `{}` private endpoint", r.name),
      );
    }
  }
  let managed = m
    .managed_network
    .as_ref()
    .is_some_and(|s| s.value != IsolationMode::Disabled);
  for e in &m.online_endpoints {
    if !e.public_network_access.value && m.has_workspace_pe() && managed {
      f.set(
        Fact::OnlineEndpointPrivate,
        format!(
          "online_endpoint `{}`: public_network_access = \"disabled\" {}",
          e.name,
          at(&e.public_network_access.at)
        ),
      );
    }
  }
  if let Some(aks) = &m.aks {
    f.set(Fact::Aks, format!("aks `{}` at {}", aks.name, aks.at));
    if aks.training.value {
      f.set(
        Fact::AksTraining,
        format!("aks.training = true at {}", aks.training.at),
      );
    }
  }
  f
}
