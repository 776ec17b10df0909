//! Azure clouds and their regions: the region name used in DNS names and `<region>`
//! placeholders (lowercase, as ARM spells it) and the suffix service tags use
//! (`Storage.EastUS`). Takes nothing, returns lookups; never reads files.
//!
//! The suffixes are the ones the ServiceTags downloads use for regional tags
//! (reference/target-formats.md § 6.1); every customer region of the public download is here
//! (the early-access EUAP and staging rings are not), which
//! `deployability::every_region_of_the_public_download_is_known` checks.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cloud {
  AzureCloud,
  AzureChinaCloud,
  AzureUsGovernment,
}

impl Cloud {
  pub const ALL: [Cloud; 3] = [
    Cloud::AzureCloud,
    Cloud::AzureChinaCloud,
    Cloud::AzureUsGovernment,
  ];

  pub fn name(self) -> &'static str {
    match self {
      Cloud::AzureCloud => "AzureCloud",
      Cloud::AzureChinaCloud => "AzureChinaCloud",
      Cloud::AzureUsGovernment => "AzureUSGovernment",
    }
  }

  pub fn parse(s: &str) -> Option<Cloud> {
    Cloud::ALL.into_iter().find(|c| c.name() == s)
  }

  fn regions(self) -> &'static [(&'static str, &'static str)] {
    match self {
      Cloud::AzureCloud => PUBLIC,
      Cloud::AzureChinaCloud => CHINA,
      Cloud::AzureUsGovernment => GOVERNMENT,
    }
  }

  /// The service-tag suffix of `region` in this cloud, if the region exists here.
  pub fn tag_suffix(self, region: &str) -> Option<&'static str> {
    self
      .regions()
      .iter()
      .find(|(name, _)| *name == region)
      .map(|(_, tag)| *tag)
  }

  pub fn region_names(self) -> impl Iterator<Item = &'static str> {
    self.regions().iter().map(|(name, _)| *name)
  }

  /// The cloud a region belongs to, for "this region is in another cloud" hints.
  pub fn of_region(region: &str) -> Option<Cloud> {
    Cloud::ALL.into_iter().find(|c| c.tag_suffix(region).is_some())
  }
}

impl fmt::Display for Cloud {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(self.name())
  }
}

#[rustfmt::skip]
const PUBLIC: &[(&str, &str)] = &[
  ("australiacentral", "AustraliaCentral"), ("australiacentral2", "AustraliaCentral2"),
  ("australiaeast", "AustraliaEast"), ("australiasoutheast", "AustraliaSoutheast"),
  ("austriaeast", "AustriaEast"), ("belgiumcentral", "BelgiumCentral"),
  ("brazilsouth", "BrazilSouth"), ("brazilsoutheast", "BrazilSoutheast"),
  ("canadacentral", "CanadaCentral"), ("canadaeast", "CanadaEast"),
  ("centralindia", "CentralIndia"), ("centralus", "CentralUS"), ("chilecentral", "ChileCentral"),
  ("eastasia", "EastAsia"), ("eastus", "EastUS"), ("eastus2", "EastUS2"),
  ("francecentral", "FranceCentral"), ("francesouth", "FranceSouth"),
  ("germanynorth", "GermanyNorth"), ("germanywestcentral", "GermanyWestCentral"),
  ("indonesiacentral", "IndonesiaCentral"), ("israelcentral", "IsraelCentral"),
  ("israelnorthwest", "IsraelNorthwest"),
  ("italynorth", "ItalyNorth"), ("japaneast", "JapanEast"), ("japanwest", "JapanWest"),
  ("jioindiacentral", "JioIndiaCentral"), ("jioindiawest", "JioIndiaWest"),
  ("koreacentral", "KoreaCentral"), ("koreasouth", "KoreaSouth"), ("malaysiasouth", "MalaysiaSouth"),
  ("malaysiawest", "MalaysiaWest"),
  ("mexicocentral", "MexicoCentral"), ("newzealandnorth", "NewZealandNorth"),
  ("northcentralus", "NorthCentralUS"), ("northeurope", "NorthEurope"),
  ("norwayeast", "NorwayEast"), ("norwaywest", "NorwayWest"), ("polandcentral", "PolandCentral"),
  ("qatarcentral", "QatarCentral"), ("southafricanorth", "SouthAfricaNorth"),
  ("southafricawest", "SouthAfricaWest"), ("southcentralus", "SouthCentralUS"),
  ("southcentralus2", "SouthCentralUS2"), ("southeastus", "SoutheastUS"), ("southeastus3", "SoutheastUS3"),
  ("southeastasia", "SoutheastAsia"), ("southindia", "SouthIndia"), ("spaincentral", "SpainCentral"),
  ("swedencentral", "SwedenCentral"), ("swedensouth", "SwedenSouth"),
  ("switzerlandnorth", "SwitzerlandNorth"),
  ("switzerlandwest", "SwitzerlandWest"), ("taiwannorth", "TaiwanNorth"),
  ("taiwannorthwest", "TaiwanNorthwest"), ("uaecentral", "UAECentral"), ("uaenorth", "UAENorth"),
  ("uksouth", "UKSouth"), ("ukwest", "UKWest"), ("westcentralus", "WestCentralUS"),
  ("westeurope", "WestEurope"), ("westindia", "WestIndia"), ("westus", "WestUS"),
  ("westus2", "WestUS2"), ("westus3", "WestUS3"),
];

#[rustfmt::skip]
const GOVERNMENT: &[(&str, &str)] = &[
  ("usdodcentral", "USDoDCentral"), ("usdodeast", "USDoDEast"), ("usgovarizona", "USGovArizona"),
  ("usgovtexas", "USGovTexas"), ("usgovvirginia", "USGovVirginia"),
];

#[rustfmt::skip]
const CHINA: &[(&str, &str)] = &[
  ("chinaeast", "ChinaEast"), ("chinaeast2", "ChinaEast2"), ("chinaeast3", "ChinaEast3"),
  ("chinanorth", "ChinaNorth"), ("chinanorth2", "ChinaNorth2"), ("chinanorth3", "ChinaNorth3"),
];
