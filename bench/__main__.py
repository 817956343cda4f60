"""Run every benchmark: ``python -m bench [--quick]`` (``--quick`` keeps it under two minutes)."""

from __future__ import annotations

import argparse
import importlib

BENCHES = (
    "bench.qualify",
    "bench.import_events",
    "bench.backtest",
    "bench.discover",
    "bench.scoring",
    "bench.ip_lookup",
    "bench.collector",
    "bench.intent_features",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for name in BENCHES:
        print(f"\n== {name}")
        importlib.import_module(name).main(["--quick"] if args.quick else [])


if __name__ == "__main__":
    main()
