#!/usr/bin/env python3
"""The Python reference figure for docs/expand.md: what `amlnet expand` does, done with
the standard library. Takes a ServiceTags JSON download and the service tags of a
profile (the default list is training-no-public-ip's; `--ir` reads them from
`amlnet compile PROFILE --format json` output), and prints milliseconds (min / median
over repeated runs) and peak RSS for: json.load, then ipaddress.ip_network +
ipaddress.collapse_addresses per tag and family, for the profile's tags and for every
tag of the file. Never writes files; compare with `cargo bench --bench expand`."""

import argparse
import ipaddress
import json
import resource
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT.parent / "shared/data/service-tags/ServiceTags_Public_2025-11-09.json"
# The expandable service tags of profiles/training-no-public-ip.toml (VirtualNetwork is
# resolved by the platform and never expanded).
DEFAULT_TAGS = [
    "AzureActiveDirectory",
    "AzureFrontDoor.FirstParty",
    "AzureFrontDoor.Frontend",
    "AzureMachineLearning",
    "AzureMonitor",
    "AzureResourceManager",
    "BatchNodeManagement.EastUS",
    "MicrosoftContainerRegistry.EastUS",
    "Storage.EastUS",
]
VIRTUAL = {"virtualnetwork", "internet", "azureloadbalancer"}


def collapse(prefixes):
    nets = [ipaddress.ip_network(p, strict=False) for p in prefixes]
    v4 = list(ipaddress.collapse_addresses(n for n in nets if n.version == 4))
    v6 = list(ipaddress.collapse_addresses(n for n in nets if n.version == 6))
    return len(v4) + len(v6)


def measure(fn, runs):
    fn()  # warm up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return min(times), statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", default=str(DEFAULT_FILE), help="ServiceTags JSON download")
    ap.add_argument("--ir", help="IR JSON (amlnet compile --format json) to take the service tags from")
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()

    if args.ir:
        ir = json.loads(Path(args.ir).read_text())
        tags = sorted({f["peer"] for f in ir["flows"] if f["peer_kind"] == "service_tag"})
        tags = [t for t in tags if t.lower() not in VIRTUAL]
    else:
        tags = DEFAULT_TAGS
    path = Path(args.file)
    if not path.is_file():
        print(f"bench_collapse: {path} is absent; nothing measured")
        return

    def load():
        with open(path, encoding="utf-8") as f:
            return json.load(f)

    doc = load()
    by_name = {v["name"].lower(): v["properties"]["addressPrefixes"] for v in doc["values"]}
    lists = [by_name[t.lower()] for t in tags]
    listed = sum(len(p) for p in lists)
    total = sum(len(p) for p in by_name.values())

    print(f"bench_collapse: {path} ({path.stat().st_size} bytes), Python {'.'.join(map(str, __import__('sys').version_info[:3]))}")
    print(f"{len(tags)} service tags: {' '.join(tags)}")

    def whole():
        d = load()
        names = {v["name"].lower(): v["properties"]["addressPrefixes"] for v in d["values"]}
        return sum(collapse(names[t.lower()]) for t in tags)

    rows = [
        ("read + json.load + collapse the profile's tags (what `amlnet expand` does)", whole),
        ("read + json.load only", load),
        (f"collapse the profile's tags only ({listed} prefixes)", lambda: sum(collapse(p) for p in lists)),
        (f"collapse every tag of the file ({total} prefixes)", lambda: sum(collapse(p) for p in by_name.values())),
    ]
    for label, fn in rows:
        lo, med = measure(fn, args.runs)
        print(f"{label}: min {lo:.2f} ms, median {med:.2f} ms ({args.runs} runs)")
    print(f"aggregated prefixes for the profile's tags: {sum(collapse(p) for p in lists)}")
    print(f"peak RSS (ru_maxrss): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} kB")


if __name__ == "__main__":
    main()
