"""The measured acceptance of ``leadqual discover`` (issue 3), in one run:

1. **Recovery**: for seeds 0..9, ``simulate`` → import into a fresh SQLite store → ``discover``;
   does the found rule match the planted profile (the matching rule of docs/discovery.md, the
   same as tests/services/test_discovery.py)? Goal: at least 9 of 10.
2. **Maven CRM** (../shared/data): the ranked one-question table and the top rules with training
   and held-out figures (skipped with a message when the data is absent, a failure under CI).
3. **Peers**: wittgenstein's RIPPER and pysubgroup's beam search and Apriori on the same
   labelled lead table (a simulated history) and the same time split — held-out F1, rule length
   and time; the planted profile's own held-out F1 is printed as the ceiling. Goal: ours at
   least as good F1 with ≤ 3 conditions. The peers run in their own virtualenv
   (bench/out/peers-venv; pysubgroup pins numpy < 2): ``--install-peers`` creates it.
4. **Speed**: 100k leads × 40 attributes (numbers, categories, lists; a planted rule) → the
   one-question table (goal < 2 s) and the whole discovery with rule search (goal < 20 s), each
   as a ratio to a *plain scan*: for every attribute one pass of what any search must do at
   least — a number sorted once with the customers counted along the order, a category or list
   value counted with its customers.

    python -m bench.discover [--quick] [--install-peers] [--seeds N] [--accounts N] [--rows N]
                             [--peer-accounts N] [--workers N] [--no-maven]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bench.peers.frame import to_frame
from bench.peers.venv import available, install, run_peer
from bench.report import emit
from leadqual.contract import load_contract, starter_contract_text
from leadqual.discover import discover_table
from leadqual.discover.attributes import RULE_SCOPES, candidate_fields, encode_attributes, in_scopes
from leadqual.discover.conditions import Condition
from leadqual.discover.dataset import labelled_leads
from leadqual.discover.one_question import Scanner, one_question
from leadqual.discover.report import DiscoveryReport
from leadqual.discover.stats import Objective
from leadqual.errors import InvalidInput
from leadqual.features.frames import load_frames
from leadqual.features.schema import FEATURES
from leadqual.services.discovery import discover
from leadqual.services.imports import import_file
from leadqual.settings import sqlite_url
from leadqual.simulate import simulate, write_funnel
from leadqual.store.database import Store, open_store

NOW = datetime(2026, 12, 1)
ROOT = Path(__file__).resolve().parents[1]
MAPPINGS = ROOT / "tests" / "mappings"
MAVEN = ROOT.parent / "shared" / "data" / "maven-crm-sales-opportunities"
MAVEN_NOW = datetime(2026, 3, 1)
THRESHOLD_TOLERANCE = 0.10
MIN_JACCARD = 0.5
FIRMOGRAPHIC = {f.name for f in FEATURES if f.scope == "firmographic"}
ONE_QUESTION_GOAL_S = 2.0
RULES_GOAL_S = 20.0
FULL_ROWS = 100_000


# 1. recovery -----------------------------------------------------------------------------
def condition_matches(planted: dict[str, Any], found: Condition) -> bool:
    """docs/discovery.md: same field; a number with the same op within 10% of the planted
    threshold; a value set (``in`` or ``=``) with a Jaccard overlap of at least 1/2."""
    if planted["field"] != found.field:
        return False
    if planted["op"] in (">=", "<="):
        value = float(planted["value"])
        return found.op == planted["op"] and abs(float(found.value) - value) <= (
            THRESHOLD_TOLERANCE * abs(value))
    if found.op not in ("in", "="):
        return False
    want = set(planted["value"]) if planted["op"] == "in" else {planted["value"]}
    got = set(found.value) if found.op == "in" else {found.value}
    return len(want & got) / len(want | got) >= MIN_JACCARD


def rule_matches(profile: Sequence[dict[str, Any]], conditions: Sequence[Condition],
                 redundant: Sequence[dict[str, Any]] = ()) -> bool:
    """Every essential planted condition matched by its own found condition, nothing left over
    but matches of redundant planted conditions."""
    left = list(conditions)
    for planted in profile:
        hit = next((c for c in left if condition_matches(planted, c)), None)
        if hit is None:
            if planted in redundant:
                continue
            return False
        left.remove(hit)
    return not left


def documented_match(report: DiscoveryReport, profile: list[dict[str, Any]],
                     redundant: list[dict[str, Any]]) -> bool:
    """The best rule, or the best rule as long as the profile (or its essential part; for one
    essential condition, the best firmographic one-question answer) — docs/discovery.md."""
    lengths = {len(profile), len(profile) - len(redundant)}
    candidates = [report.rules[0].conditions] if report.rules else []
    for length in lengths:
        candidates += [r.conditions for r in report.rules if len(r.conditions) == length][:1]
    if 1 in lengths:
        candidates += [(q.condition,) for q in report.one_question
                       if q.condition.field in FIRMOGRAPHIC][:1]
    return any(rule_matches(profile, conds, redundant) for conds in candidates)


def simulated_store(folder: Path, accounts: int, seed: int) -> tuple[Store, Any]:
    funnel = simulate(accounts, seed)
    paths = write_funnel(funnel, folder / f"funnel-{seed}")
    store = open_store(sqlite_url(folder / f"store-{seed}.db"))
    for kind in ("accounts", "contacts", "events", "deals"):
        import_file(store, kind, paths[kind], now=NOW)
    return store, funnel


def _expression(profile: list[dict[str, Any]]) -> str:
    return " and ".join(Condition(p["field"], p["op"], p["value"]).to_expression()
                        for p in profile)


def recover_seed(seed: int, accounts: int) -> dict[str, Any]:
    """One seed of the recovery measurement (runs in a worker process)."""
    with tempfile.TemporaryDirectory() as tmp:
        store, funnel = simulated_store(Path(tmp), accounts, seed)
        # The simulator plants only conditions that each matter (docs/simulate.md), so no
        # planted condition is excused as redundant.
        redundant: list[dict[str, Any]] = []
        profile = list(funnel.truth["profile"])
        clock = time.perf_counter()
        try:
            report = discover(store, now=NOW)
        except InvalidInput as exc:  # too few customers: counted as not recovered, said why
            return {"seed": seed, "planted": _expression(profile), "redundant": len(redundant),
                    "found": f"(refused: {exc.message[:90]}…)", "strict": False,
                    "matched": False, "leads": 0, "customers": 0,
                    "seconds": time.perf_counter() - clock}
        finally:
            store.dispose()
        seconds = time.perf_counter() - clock
    best = report.rules[0] if report.rules else None
    return {
        "seed": seed,
        "planted": _expression(profile),
        "redundant": len(redundant),
        "found": best.expression if best else "(no rule)",
        "strict": bool(best and rule_matches(profile, best.conditions)),
        "matched": documented_match(report, profile, redundant),
        "leads": report.split.train_leads + report.split.heldout_leads,
        "customers": report.split.train_customers + report.split.heldout_customers,
        "seconds": seconds,
    }


def simulated_parts(seeds: int, accounts: int, peer_accounts: int, *, quick: bool,
                    workers: int, maven: bool) -> tuple[list[dict[str, Any]], dict[str, Any],
                                                        DiscoveryReport | str | None]:
    """The recovery seeds and the peer comparison, in ``workers`` processes (the peer first: it
    is the longest), and meanwhile the Maven discovery in this process."""
    if workers <= 1:
        found = [recover_seed(s, accounts) for s in range(seeds)]
        return found, peer_comparison(peer_accounts, 0, quick=quick), (
            maven_report() if maven else None)
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        peer = pool.submit(peer_comparison, peer_accounts, 0, quick=quick)
        futures = [pool.submit(recover_seed, s, accounts) for s in range(seeds)]
        report = maven_report() if maven else None
        return [f.result() for f in futures], peer.result(), report


def print_recovery(rows: list[dict[str, Any]], accounts: int) -> None:
    print(f"recovery of the planted profile — simulate({accounts:,} accounts, seed) → SQLite → "
          "discover (match: docs/discovery.md; strict: the best rule itself)")
    for r in rows:
        print(f"  seed {r['seed']}: {'yes' if r['matched'] else 'NO '} "
              f"(strict {'yes' if r['strict'] else 'no '})  {r['leads']:>6,} leads "
              f"{r['customers']:>4} customers {r['seconds']:5.1f} s")
        print(f"      planted: {r['planted']}"
              + (f"  ({r['redundant']} redundant)" if r["redundant"] else ""))
        print(f"      found:   {r['found']}")


# 2. Maven ----------------------------------------------------------------------------------
def maven_report() -> DiscoveryReport | str | None:
    """The Maven discovery; None when the data is absent, the error's text when it failed (a
    finding to print, not a reason to lose the other parts' figures)."""
    try:
        return _maven_report()
    except Exception as exc:  # reported as the bench's measurement, not lost
        return f"{type(exc).__name__}: {exc}"


def _maven_report() -> DiscoveryReport | None:
    accounts, pipeline = MAVEN / "accounts.csv", MAVEN / "sales_pipeline.csv"
    if not (accounts.exists() and pipeline.exists()):
        if os.environ.get("CI", "").lower() == "true":
            raise SystemExit(f"{MAVEN} is missing; CI must have ../shared/data")
        print(f"Maven CRM: skipped — {MAVEN} is absent (the shared real data sits beside the "
              "repository)")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(sqlite_url(Path(tmp) / "maven.db"))
        import_file(store, "accounts", accounts, mapping=MAPPINGS / "maven-accounts.yaml",
                    now=MAVEN_NOW)
        import_file(store, "deals", pipeline, mapping=MAPPINGS / "maven-deals.yaml",
                    now=MAVEN_NOW)
        report = discover(store, now=MAVEN_NOW, min_support=5)
        store.dispose()
    return report


def print_maven(report: DiscoveryReport) -> None:
    s = report.split
    print(f"Maven CRM (real): {s.train_leads + s.heldout_leads} account leads, "
          f"{s.train_customers + s.heldout_customers} customers; training {s.train_leads} leads "
          f"(base rate {report.base_rate:.0%}), held-out {s.heldout_leads}; min support 5")
    print(f"  {'one question':58} {'prec':>5} {'rec':>5} {'lift':>5} {'supp':>4}  95% CI"
          f"        | held-out prec rec supp")
    for q in report.one_question:
        t, h = q.train, q.heldout
        print(f"  {q.condition.describe()[:58]:58} {t.precision:5.2f} {t.recall:5.2f} "
              f"{t.lift:5.2f} {t.support:4}  [{t.ci[0]:.2f}, {t.ci[1]:.2f}]"
              f"  |          {h.precision:4.2f} {h.recall:4.2f} {h.support:4}")
    print("  top rules:")
    for r in report.rules:
        t, h = r.train, r.heldout
        print(f"    {r.expression}")
        print(f"      training prec {t.precision:.2f} rec {t.recall:.2f} supp {t.support}   "
              f"held-out prec {h.precision:.2f} rec {h.recall:.2f} supp {h.support}")
    if not report.rules:
        print("    (none: " + "; ".join(report.notes[:1]) + ")")


def consistency(report: DiscoveryReport) -> list[str]:
    """What does not add up in ``report`` (empty: every figure is consistent)."""
    s, wrong = report.split, []
    if report.n_leads != s.train_leads or report.n_customers != s.train_customers:
        wrong.append("n_leads/n_customers are not the training part's")
    findings = [(q.condition.describe(), q.train, q.heldout) for q in report.one_question]
    findings += [(r.expression, r.train, r.heldout) for r in report.rules]
    for name, train, held in findings:
        for part, fig, leads in (("training", train, s.train_leads),
                                 ("held-out", held, s.heldout_leads)):
            if not (0 <= fig.precision <= 1 and 0 <= fig.recall <= 1):
                wrong.append(f"{name}: {part} precision or recall outside [0, 1]")
            if not fig.customers <= fig.support <= leads:
                wrong.append(f"{name}: {part} customers <= support <= leads fails")
            if fig.support and not fig.ci[0] - 1e-9 <= fig.precision <= fig.ci[1] + 1e-9:
                wrong.append(f"{name}: {part} precision outside its CI")
    return wrong


def maven_line(report: DiscoveryReport) -> dict[str, Any]:
    """The held-out precision of the best rule (or, with none, of the best one-question
    answer) against the held-out base rate; met when every figure is consistent."""
    s = report.split
    best_rule = report.rules[0] if report.rules else None
    best = best_rule or (report.one_question[0] if report.one_question else None)
    wrong = consistency(report)
    for w in wrong:
        print(f"  INCONSISTENT: {w}")
    return emit(
        "discover_maven", best.heldout.precision if best else 0.0, "held-out base rate",
        s.heldout_customers / max(s.heldout_leads, 1), unit="precision",
        goal="runs on the real data through the generic mapping; figures consistent",
        met=not wrong, best=(best_rule.expression if best_rule else
                             best.condition.to_expression() if best else None),
        best_is_rule=best_rule is not None, heldout_recall=round(best.heldout.recall, 4)
        if best else None, heldout_support=best.heldout.support if best else None,
        leads=s.train_leads + s.heldout_leads, customers=s.train_customers + s.heldout_customers,
        one_question=len(report.one_question), rules=len(report.rules), inconsistent=len(wrong),
    )


# 3. peer -----------------------------------------------------------------------------------
def f1(predicted: np.ndarray, label: np.ndarray) -> tuple[float, float, float, int]:
    tp = int((predicted & label).sum())
    support, positives = int(predicted.sum()), int(label.sum())
    p = tp / support if support else 0.0
    r = tp / positives if positives else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r, support


def _row(name: str, seconds: float, predicted: np.ndarray, label: np.ndarray, rules: int,
         conditions: int, text: str) -> dict[str, Any]:
    score, p, r, support = f1(predicted, label)
    return {"name": name, "seconds": seconds, "f1": score, "precision": p, "recall": r,
            "support": support, "rules": rules, "max_conditions": conditions, "text": text}


def planted_mask(table: pa.Table, profile: list[dict[str, Any]]) -> np.ndarray:
    """Which leads meet the planted profile (the oracle: the best any learner could find)."""
    attrs = {a.name: a for a in encode_attributes(table, [p["field"] for p in profile])}
    mask = np.ones(table.num_rows, dtype=bool)
    for p in profile:
        value = tuple(p["value"]) if isinstance(p["value"], list) else p["value"]
        mask &= attrs[p["field"]].mask(attrs[p["field"]].condition(p["op"], value))
    return mask


def peer_comparison(accounts: int, seed: int, *, quick: bool = False) -> dict[str, Any]:
    """leadqual (F1 target) vs the peers on one simulated history's labelled lead table."""
    clock = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        store, funnel = simulated_store(Path(tmp), accounts, seed)
        data = labelled_leads(load_frames(store, until=NOW),
                              load_contract(starter_contract_text()))
        store.dispose()
    table, label, cutoff = data.table, data.label, data.cutoff
    n = table.num_rows
    # The same time split as discover_table: the earliest 70% by cutoff train.
    order = np.argsort(cutoff, kind="stable")
    train = np.zeros(n, dtype=bool)
    train[order[: int(np.ceil(0.7 * n))]] = True
    test = ~train
    fields = [f for f in candidate_fields(table) if in_scopes(f, RULE_SCOPES)]
    profile = list(funnel.truth["profile"])

    clock = time.perf_counter()
    ours = discover_table(table, label, cutoff, beta=1.0)
    ours_s = time.perf_counter() - clock
    best = ours.rules[0]
    ours_mask = np.ones(n, dtype=bool)
    for c in best.conditions:
        ours_mask &= encode_attributes(table, [c.field])[0].mask(c)
    out: dict[str, Any] = {
        "leads": n, "customers": int(label.sum()), "train": int(train.sum()),
        "heldout_customers": int(label[test].sum()), "fields": len(fields),
        "ours": _row("leadqual (target F1, best rule)", ours_s, ours_mask[test], label[test], 1,
                     len(best.conditions), best.expression),
        "oracle": _row("planted profile (oracle, not learned)", 0.0,
                       planted_mask(table, profile)[test], label[test], 1, len(profile),
                       _expression(profile)),
        "peers": [], "errors": [],
    }
    missing = available()
    if missing:
        out["errors"].append(missing)
        learners: list[str] = []
    else:  # Apriori: a second process start of the peers' venv, skipped to stay quick
        learners = ["ripper", "ripper1", "beam"] + ([] if quick else ["apriori"])
    frame = to_frame(table, fields)
    x_train, x_test = frame[train].reset_index(drop=True), frame[test].reset_index(drop=True)
    for learner in learners:
        got = run_peer(learner, x_train, label[train], x_test)
        out["peers"].append(_row(got.name, got.seconds, got.predicted, label[test], got.rules,
                                 got.max_conditions, got.text))
    out["seconds"] = time.perf_counter() - clock
    return out


def print_peer(result: dict[str, Any], accounts: int) -> None:
    print(f"peer rule learners — simulate({accounts:,} accounts): {result['leads']:,} labelled "
          f"leads, {result['customers']} customers, {result['fields']} firmographic attributes; "
          f"trained on the earliest {result['train']:,} by cutoff, "
          f"{result['heldout_customers']} customers held out; figures on the held-out part, "
          "time = the learning alone")
    print(f"  {'learner':52} {'held-out F1':>11} {'prec':>5} {'rec':>5} {'supp':>5} "
          f"{'rules':>5} {'max conds':>9} {'time':>8}")
    rows = [result["ours"], *result["peers"], result["oracle"]]
    for row in rows:
        print(f"  {row['name'][:52]:52} {row['f1']:11.3f} {row['precision']:5.2f} "
              f"{row['recall']:5.2f} {row['support']:5} {row['rules']:5} "
              f"{row['max_conditions']:9} {row['seconds']:7.2f}s")
    for row in rows:
        print(f"    {row['name']}: {row['text'][:300]}")
    for error in result["errors"]:
        print(f"  peer not run: {error}")


# 4. speed ----------------------------------------------------------------------------------
def synthetic_leads(n: int, seed: int = 1) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """``n`` leads × 40 attributes — 24 numbers (skewed, 5% missing), 12 categories (5 to 60
    values, some missing), 4 list columns (20 values, ~3 per lead) — and a label planted as
    ``num_00 >= 500 and cat_00 in (a1, a3) and has_any(list_0, 'v2')`` (45%; 1.5% elsewhere)."""
    rng = np.random.default_rng(seed)
    cols: dict[str, pa.Array] = {}
    for i in range(24):
        v = np.round(rng.lognormal(5 + i % 3, 1.3, n))
        cols[f"num_{i:02}"] = pa.array(v, mask=rng.random(n) < 0.05)
    for i in range(12):
        k = 5 + 5 * i
        vocab = np.array([f"{chr(97 + i)}{j}" for j in range(k)], dtype=object)
        codes = np.minimum(rng.zipf(1.6, n) - 1, k - 1)
        cols[f"cat_{i:02}"] = pa.array(vocab[codes], pa.string(), mask=rng.random(n) < 0.03)
    for i in range(4):
        has = rng.random((n, 20)) < 0.15
        _, vals = np.nonzero(has)
        offsets = np.concatenate([[0], np.cumsum(has.sum(axis=1))]).astype(np.int32)
        words = pa.array(np.array([f"v{j}" for j in range(20)], dtype=object)[vals], pa.string())
        cols[f"list_{i}"] = pa.ListArray.from_arrays(pa.array(offsets), words)
    table = pa.table(cols)
    num = np.nan_to_num(pc.fill_null(table["num_00"], 0).to_numpy())
    cat = np.asarray(table["cat_00"].to_pylist(), dtype=object)
    has_v2 = np.zeros(n, dtype=bool)
    parents = pc.list_parent_indices(table["list_0"].combine_chunks()).to_numpy()
    flat = np.asarray(pc.list_flatten(table["list_0"].combine_chunks()).to_pylist(), object)
    has_v2[parents[flat == "v2"]] = True
    icp = (num >= 500) & np.isin(cat, ["a1", "a3"]) & has_v2
    label = np.where(icp, rng.random(n) < 0.45, rng.random(n) < 0.015)
    cutoff = (np.datetime64("2026-01-01T00:00:00", "us")
              + rng.integers(0, 330 * 86_400, n).astype("timedelta64[s]"))
    return table, label, cutoff


def plain_scan(table: pa.Table, label: np.ndarray) -> int:
    """One pass per attribute: a number sorted once with the customers counted along it, a
    category's or a list's values counted with their customers."""
    y = label.astype(np.int64)
    touched = 0
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_list(col.type):
            lists = col.combine_chunks()
            parents = pc.list_parent_indices(lists).to_numpy()
            codes = pc.dictionary_encode(pc.list_flatten(lists)).indices.to_numpy()
            touched += int(np.bincount(codes).size + np.bincount(codes, y[parents]).size)
        elif pa.types.is_string(col.type):
            codes = pc.fill_null(pc.dictionary_encode(col).combine_chunks().indices, -1)
            c = codes.to_numpy() + 1
            touched += int(np.bincount(c).size + np.bincount(c, y).size)
        else:
            v = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
            order = np.argsort(v, kind="stable")
            touched += int(np.cumsum(y[order])[-1])
    return touched


def one_question_only(table: pa.Table, label: np.ndarray, train: np.ndarray) -> int:
    """The one-question table as ``discover_table`` computes it (encode, training part, scan)."""
    attrs = [a.take(train) for a in encode_attributes(table)]
    return len(one_question(Scanner(attrs, label[train], Objective(beta=2.0))))


def best_of(repeat: int, fn: Any, *args: Any) -> tuple[float, Any]:
    seconds, out = float("inf"), None
    for _ in range(repeat):
        clock = time.perf_counter()
        out = fn(*args)
        seconds = min(seconds, time.perf_counter() - clock)
    return seconds, out


# main --------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="3 seeds of 1,500 accounts, peer on 1,000 accounts, 20k rows")
    parser.add_argument("--seeds", type=int, help="recovery seeds 0..N-1 (default 10)")
    parser.add_argument("--accounts", type=int, help="accounts per recovery seed (default 2000)")
    parser.add_argument("--peer-accounts", type=int, help="accounts of the peer's history "
                        "(default 9000: ~10k labelled leads)")
    parser.add_argument("--rows", type=int, help="rows of the speed table (default 100k)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the seeds")
    parser.add_argument("--no-maven", action="store_true", help="skip the Maven CRM part")
    parser.add_argument("--install-peers", action="store_true",
                        help="create bench/out/peers-venv and pip-install "
                        "bench/requirements-peers.txt there (wittgenstein, pysubgroup)")
    args = parser.parse_args(argv)
    seeds = args.seeds or (3 if args.quick else 10)
    accounts = args.accounts or (1500 if args.quick else 2000)
    peer_accounts = args.peer_accounts or (1000 if args.quick else 9000)
    rows = args.rows or (20_000 if args.quick else FULL_ROWS)
    if args.install_peers and available() is not None:
        install()
    lines: list[dict[str, object]] = []

    # 1. recovery, 2. Maven, 3. peer
    clock = time.perf_counter()
    found, peer, maven = simulated_parts(seeds, accounts, peer_accounts, quick=args.quick,
                                         workers=args.workers, maven=not args.no_maven)
    print_recovery(found, accounts)
    print(f"  (recovery, peer and Maven: {time.perf_counter() - clock:.0f} s with "
          f"{args.workers} worker processes)")
    hits = sum(r["matched"] for r in found)
    need = int(np.ceil(0.9 * seeds))
    lines.append(emit(
        "discover_recovery", hits, f"{seeds} seeds", seeds, unit="seeds",
        goal=f">= 9/10 seeds recovered (here >= {need}/{seeds})", met=hits >= need,
        strict_best_rule=sum(r["strict"] for r in found), accounts=accounts,
        missed=[r["seed"] for r in found if not r["matched"]],
    ))
    if isinstance(maven, str):
        print(f"Maven CRM (real): discover FAILED — {maven}")
        lines.append(emit("discover_maven", 0.0, "held-out base rate", 0.0, unit="precision",
                          goal="runs on the real data through the generic mapping; figures "
                          "consistent", met=False, error=maven))
    elif maven is not None:
        print_maven(maven)
        lines.append(maven_line(maven))
    print_peer(peer, peer_accounts)
    print(f"  ({peer['seconds']:.0f} s in all, simulation and import included)")
    ours, oracle = peer["ours"], peer["oracle"]
    for row in peer["peers"]:
        lines.append(emit(
            "discover_vs_peer_f1", ours["f1"], row["name"], row["f1"], unit="F1",
            goal="held-out F1 >= peer's, <= 3 conditions",
            met=ours["f1"] >= row["f1"] and ours["max_conditions"] <= 3,
            ours_seconds=round(ours["seconds"], 3), peer_seconds=round(row["seconds"], 3),
            ours_support=ours["support"], peer_support=row["support"],
            ours_conditions=ours["max_conditions"], peer_rules=row["rules"],
            peer_max_conditions=row["max_conditions"], leads=peer["leads"],
            oracle_f1=round(oracle["f1"], 4),
        ))
    if not peer["peers"]:
        print("no peer measured: " + "; ".join(peer["errors"]))

    # 4. speed
    table, label, cutoff = synthetic_leads(rows)
    order = np.argsort(cutoff, kind="stable")
    train = np.zeros(rows, dtype=bool)
    train[order[: int(np.ceil(0.7 * rows))]] = True
    scan_s, _ = best_of(3, plain_scan, table, label)
    oq_s, _ = best_of(2, one_question_only, table, label, train)
    full_s, report = best_of(2, discover_table, table, label, cutoff)
    scale = FULL_ROWS / rows
    print(f"speed: {rows:,} leads × {table.num_columns} attributes (24 numbers, 12 categories, "
          f"4 lists), {int(label.sum()):,} customers, {os.cpu_count()} cores")
    print(f"  plain scan (per attribute: one sort + counts, or value counts)  {scan_s:6.2f} s")
    print(f"  one-question table (encode + scan, training part)            {oq_s:6.2f} s  "
          f"× {oq_s / scan_s:.1f} the plain scan")
    print(f"  discover_table: one question + rule search + held-out         {full_s:6.2f} s  "
          f"× {full_s / scan_s:.1f} the plain scan")
    print(f"  best rule: {report.rules[0].expression if report.rules else '(none)'}")
    lines.append(emit(
        "discover_one_question_100k", oq_s, "plain scan of the same data", scan_s,
        goal="< 2 s for 100k leads × 40 attributes", met=oq_s * scale < ONE_QUESTION_GOAL_S,
        leads=rows, attributes=table.num_columns,
    ))
    lines.append(emit(
        "discover_rules_100k", full_s, "plain scan of the same data", scan_s,
        goal="< 20 s for 100k leads × 40 attributes (whole discover_table)",
        met=full_s * scale < RULES_GOAL_S, leads=rows, attributes=table.num_columns,
        best_rule=report.rules[0].expression if report.rules else None,
    ))
    return lines


if __name__ == "__main__":
    main()
