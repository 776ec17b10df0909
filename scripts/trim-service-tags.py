#!/usr/bin/env python3
"""Write a trimmed copy of a ServiceTags download for the tests: every tag with its region and
networkFeatures (what the deployability check and the region check read), and address prefixes
only for the tags amlnet's shipped and test profiles name (what the evaluator tests resolve).
The tests read these copies, so they never depend on files outside the checkout.

Usage: scripts/trim-service-tags.py DOWNLOAD OUT
"""
import json
import sys

# Tags whose prefixes the tests resolve: every service tag a shipped or test profile's plan names
# (NSG rules, firewall network rules, routes), globals included.
KEEP_PREFIXES = {
    "AzureActiveDirectory", "AzureFrontDoor.FirstParty", "AzureFrontDoor.Frontend",
    "AzureMachineLearning", "AzureMonitor", "AzureResourceManager", "BatchNodeManagement",
}
KEEP_PREFIXES_OF_REGION = {
    "AzureContainerRegistry", "AzureKeyVault", "BatchNodeManagement", "MicrosoftContainerRegistry",
    "Storage",
}
REGIONS = {
    "EastUS", "WestUS2", "WestEurope", "SouthCentralUS", "AustraliaEast", "USGovVirginia",
    "USGovArizona", "ChinaEast2", "ChinaNorth3",
}


def keep(name):
    if name in KEEP_PREFIXES:
        return True
    base, _, region = name.partition(".")
    return base in KEEP_PREFIXES_OF_REGION and region in REGIONS


def main():
    src, out = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8") as f:
        doc = json.load(f)
    for v in doc["values"]:
        if not keep(v["name"]):
            v["properties"]["addressPrefixes"] = []
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, separators=(",", ":"), sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main()
