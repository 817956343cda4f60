"""Run by the peers' own virtualenv: learn on the training CSV, predict the held-out CSV, print
one JSON line. Imports nothing from leadqual (it is not installed there).

    peers-venv/bin/python worker.py TRAIN.csv TEST.csv LEARNER

LEARNER: ``ripper`` (wittgenstein's RIPPER, defaults), ``ripper1`` (one rule of at most 3
conditions), ``beam`` (pysubgroup BeamSearch, width 20, depth 3) or ``apriori`` (pysubgroup
Apriori, depth 3). pysubgroup's best subgroup by StandardQF(a = 0.5) is the prediction.
The time is the learning alone.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import numpy as np
import pandas as pd


def ripper(train: pd.DataFrame, test: pd.DataFrame, one: bool) -> dict[str, Any]:
    import wittgenstein as lw

    model = lw.RIPPER(max_rules=1 if one else None, max_rule_conds=3 if one else None,
                      random_state=0)
    y = train.pop("label").astype(bool)
    clock = time.perf_counter()
    model.fit(train, y, pos_class=True)
    seconds = time.perf_counter() - clock
    rules = model.ruleset_.rules
    return {"seconds": seconds, "predicted": np.asarray(model.predict(test), bool),
            "rules": len(rules), "conditions": max((len(r.conds) for r in rules), default=0),
            "text": str(model.ruleset_)}


def subgroup(train: pd.DataFrame, test: pd.DataFrame, beam: bool) -> dict[str, Any]:
    import pysubgroup as ps

    clock = time.perf_counter()
    target = ps.BinaryTarget("label", True)
    space = ps.create_selectors(train, ignore=["label"])
    task = ps.SubgroupDiscoveryTask(train, target, space, result_set_size=10, depth=3,
                                    qf=ps.StandardQF(0.5))
    algo = ps.BeamSearch(beam_width=20) if beam else ps.Apriori(use_numba=False)
    result = algo.execute(task)
    seconds = time.perf_counter() - clock
    best = max(result.results, key=lambda r: r[0])[1]
    return {"seconds": seconds, "predicted": np.asarray(best.covers(test), bool), "rules": 1,
            "conditions": len(getattr(best, "selectors", [best])), "text": str(best)}


def main() -> None:
    train_path, test_path, learner = sys.argv[1:4]
    train, test = pd.read_csv(train_path), pd.read_csv(test_path)
    if learner in ("ripper", "ripper1"):
        got = ripper(train, test, one=learner == "ripper1")
    else:
        got = subgroup(train, test, beam=learner == "beam")
    got["predicted"] = [int(x) for x in got["predicted"]]
    print(json.dumps(got))


if __name__ == "__main__":
    main()
