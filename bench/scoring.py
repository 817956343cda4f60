"""The scoring model's acceptance (issue 4), measured side by side in one run:

1. X Education ``Leads.csv`` through ``leadqual import`` with a generic mapping, without its
   leaky columns: ``LeadScorer`` vs a default LightGBM on
   the same columns vs Odoo CRM's frequency naive Bayes (bench/odoo_nb.py): ROC AUC, log loss, ECE.
2. UCI online shoppers: ROC AUC and PR AUC vs the published XGBoost, with and without PageValues.
3. A simulated store: ``train`` → held-out AUC vs the Bayes AUC of the planted p_win.
4. Speed: ``LeadScorer.fit`` on 100k leads; scoring 1M leads (encode → calibrated probability →
   contributions → top reasons, in chunks) vs LightGBM's bare ``predict`` + ``pred_contrib`` on
   the same rows and booster, each in a fresh process (time, peak RSS).

    python -m bench.scoring [--quick] [--score-rows N] [--train-rows N] [--accounts N]
"""

from __future__ import annotations

import argparse
import pickle
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from lightgbm import LGBMClassifier
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sqlalchemy import select

from bench.odoo_nb import OdooNaiveBayes
from bench.report import emit, in_child
from leadqual.ingest.mapping import load_mapping
from leadqual.ml.dataset import MODEL_FEATURES, FeatureEncoder
from leadqual.ml.metrics import held_out_metrics
from leadqual.ml.model import LeadScorer
from leadqual.services.imports import import_file
from leadqual.settings import sqlite_url
from leadqual.store.database import open_store
from leadqual.store.models import Account

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
LEADS_CSV = DATA / "x-education-leads" / "Leads.csv"
X_EDUCATION_MAPPING = (
    Path(__file__).resolve().parents[1] / "tests" / "mappings" / "x-education-accounts.yaml"
)
SHOPPERS_CSV = DATA / "uci-online-shoppers-intention" / "online_shoppers_intention.csv"
SEED = 42
TEST_SIZE = 0.30
# Written by sales or a vendor after the lead was contacted: they leak the outcome.
LEAKY = ("Tags", "Lead Quality", "Lead Profile", "Last Notable Activity")
LEAKY_PREFIX = "Asymmetrique"
IDENTIFIERS = ("Prospect ID", "Lead Number")
PUBLISHED_LOGISTIC_AUC = 0.88
PUBLISHED_XGB_ROC, PUBLISHED_XGB_PR = 0.937, 0.754


# ---------------------------------------------------------------- tables from the CSV files


def read_x_education_csv(path: Path = LEADS_CSV) -> tuple[pa.Table, np.ndarray]:
    """The non-leaky columns of Leads.csv read straight from the file (``Select`` → null) and
    ``Converted``: the reference the imported table is checked against (tests/bench)."""
    table = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(null_values=["", "Select"], strings_can_be_null=True),
    )
    y = table.column("Converted").to_numpy().astype(int)
    keep = [
        c
        for c in table.column_names
        if c != "Converted"
        and c not in LEAKY
        and c not in IDENTIFIERS
        and not c.startswith(LEAKY_PREFIX)
    ]
    return table.select(keep), y


def read_x_education(path: Path = LEADS_CSV) -> tuple[pa.Table, np.ndarray]:
    """Leads.csv through ``leadqual import`` with the generic mapping (tests/mappings/
    x-education-accounts.yaml: the leaky columns left out, ``Select`` → missing): each prospect an
    account of a fresh SQLite store, its columns free-form attributes, read back in file order.
    Attributes come back as text: a column whose every value is a number becomes a number."""
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(sqlite_url(Path(tmp) / "x-education.db"))
        try:
            import_file(
                store, "accounts", path, mapping=X_EDUCATION_MAPPING, now=datetime(2026, 1, 1)
            )
            with store.session() as s:
                rows = s.scalars(select(Account.attributes).order_by(Account.id)).all()
        finally:
            store.dispose()
    names = [
        t.removeprefix("attr.")
        for t in load_mapping(X_EDUCATION_MAPPING, "accounts").rules
        if t.startswith("attr.") and t != "attr.converted"
    ]
    y = np.array([int(r["converted"]) for r in rows])
    columns = {}
    for name in names:
        values = [r.get(name) for r in rows]
        try:
            columns[name] = pa.array([None if v is None else float(v) for v in values])
        except ValueError:
            columns[name] = pa.array(values, pa.string())
    return pa.table(columns), y


def read_shoppers(path: Path = SHOPPERS_CSV) -> tuple[pa.Table, np.ndarray]:
    table = pacsv.read_csv(path)
    y = table.column("Revenue").to_numpy(zero_copy_only=False).astype(int)
    table = table.drop_columns(["Revenue"])
    for name in ("OperatingSystems", "Browser", "Region", "TrafficType"):  # codes, not amounts
        i = table.column_names.index(name)
        table = table.set_column(i, name, pc.cast(table.column(name), pa.string()))
    return table, y


class OneHot:
    """Numbers and booleans as floats (null: NaN); each string column as one-hot columns of its
    values seen at least ``min_count`` times in training. ``sources_``: the column of each."""

    def __init__(self, min_count: int = 5) -> None:
        self.min_count = min_count

    def fit(self, table: pa.Table) -> OneHot:
        self.values_: dict[str, list[str]] = {}
        self.sources_: list[str] = []
        for name in table.column_names:
            col = table.column(name)
            if pa.types.is_string(col.type):
                counts = pc.value_counts(pc.drop_null(col)).to_pylist()
                top = sorted(c["values"] for c in counts if c["counts"] >= self.min_count)
                self.values_[name] = top
                self.sources_ += [name] * len(top)
            else:
                self.sources_.append(name)
        return self

    def transform(self, table: pa.Table) -> np.ndarray:
        cols: list[np.ndarray] = []
        for name in table.column_names:
            col = table.column(name)
            if name in self.values_:
                values = np.asarray(col.to_pylist(), dtype=object)
                cols += [(values == v).astype(float) for v in self.values_[name]]
            else:
                cols.append(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False))
        return np.column_stack(cols)


def _split(n: int, y: np.ndarray, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    return train_test_split(  # type: ignore[no-any-return]
        np.arange(n), test_size=TEST_SIZE, stratify=y, random_state=seed
    )


def _three_models(
    table: pa.Table, y: np.ndarray, seed: int
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Held-out P(converted) of ours, default LightGBM and Odoo's naive Bayes on one split."""
    tr, te = _split(table.num_rows, y, seed)
    t_tr, t_te = table.take(pa.array(tr)), table.take(pa.array(te))
    enc = OneHot().fit(t_tr)
    x_tr, x_te = enc.transform(t_tr), enc.transform(t_te)
    return (
        {
            "ours": LeadScorer(random_state=SEED).fit(x_tr, y[tr]).predict_proba(x_te)[:, 1],
            "default LightGBM": LGBMClassifier(random_state=SEED, verbose=-1)
            .fit(x_tr, y[tr])
            .predict_proba(x_te)[:, 1],
            "Odoo naive Bayes": OdooNaiveBayes().fit(t_tr, y[tr]).predict_proba(t_te),
        },
        tr,
        te,
    )


# ---------------------------------------------------------------- 1. X Education


def x_education(repeats: int = 5) -> list[dict[str, Any]]:
    table, y = read_x_education()
    results, tr, te = _three_models(table, y, SEED)
    m = {k: held_out_metrics(y[te], p, tr.size) for k, p in results.items()}
    # The same comparison on other random 70/30 splits: how much of a gap is noise.
    spread: dict[str, list[float]] = {k: [] for k in results}
    for seed in range(repeats):
        other, _, te_s = _three_models(table, y, 1000 + seed)
        for k, p in other.items():
            spread[k].append(float(roc_auc_score(y[te_s], p)))
    # `Last Activity` is kept (as the published baseline kept it) but mixes in sales' own actions
    # ("SMS Sent", "Had a Phone Conversation"): how much of the AUC rests on it.
    strict, _, te_x = _three_models(table.drop_columns(["last_activity"]), y, SEED)
    strict_auc = {k: round(float(roc_auc_score(y[te_x], p)), 4) for k, p in strict.items()}
    print(
        f"X Education: {table.num_columns} non-leaky columns, {tr.size:,} train, {te.size:,} test"
    )
    print(
        f"  {'model':18} {'ROC AUC':>8} {'log loss':>9} {'ECE':>7}   AUC over {repeats} more splits"
    )
    for k, v in m.items():
        a = np.array(spread[k]) if spread[k] else np.array([np.nan])
        print(
            f"  {k:18} {v['auc']:8.4f} {v['log_loss']:9.4f} {v['ece']:7.4f}   "
            f"{a.mean():.4f} ± {a.std():.4f}"
        )
    print(
        "  without Last Activity too: " + ", ".join(f"{k} {v:.4f}" for k, v in strict_auc.items())
    )
    ours, lgb, nb = m["ours"], m["default LightGBM"], m["Odoo naive Bayes"]
    best_base = max(lgb["auc"], nb["auc"])  # type: ignore[type-var]
    extra = {
        "log_loss": ours["log_loss"],
        "ece": ours["ece"],
        "lightgbm": {k: lgb[k] for k in ("auc", "log_loss", "ece")},
        "odoo_nb": {k: nb[k] for k in ("auc", "log_loss", "ece")},
        "columns": table.num_columns,
        "n_test": te.size,
        "auc_without_last_activity": strict_auc,
        "auc_more_splits": {k: [round(a, 4) for a in v] for k, v in spread.items()},
    }
    return [
        emit(
            "x_education_auc",
            float(ours["auc"]),  # type: ignore[arg-type]
            "best of default LightGBM / Odoo naive Bayes",
            float(best_base),  # type: ignore[arg-type]
            unit="roc_auc",
            goal="best AUC of the three, ECE <= 0.03",
            met=float(ours["auc"]) >= float(best_base) and float(ours["ece"]) <= 0.03,  # type: ignore[arg-type]
            **extra,
        ),
        emit(
            "x_education_auc_vs_published",
            float(ours["auc"]),  # type: ignore[arg-type]
            "published non-leaky logistic regression",
            PUBLISHED_LOGISTIC_AUC,
            unit="roc_auc",
            goal="> 0.88 (and < ~0.90 or a leak is suspect)",
            met=float(ours["auc"]) > PUBLISHED_LOGISTIC_AUC,  # type: ignore[arg-type]
        ),
    ]


# ---------------------------------------------------------------- 2. online shoppers


def _shoppers_scores(table: pa.Table, y: np.ndarray) -> tuple[float, float]:
    tr, te = _split(table.num_rows, y)
    t_tr, t_te = table.take(pa.array(tr)), table.take(pa.array(te))
    enc = OneHot().fit(t_tr)
    p = LeadScorer(random_state=SEED).fit(enc.transform(t_tr), y[tr])
    p_te = p.predict_proba(enc.transform(t_te))[:, 1]
    return float(roc_auc_score(y[te], p_te)), float(average_precision_score(y[te], p_te))


def shoppers() -> list[dict[str, Any]]:
    table, y = read_shoppers()
    roc, pr = _shoppers_scores(table, y)
    roc_n, pr_n = _shoppers_scores(table.drop_columns(["PageValues"]), y)
    print(f"online shoppers: {table.num_rows:,} sessions")
    print(f"  with PageValues    ROC AUC {roc:.4f}  PR AUC {pr:.4f}")
    print(f"  without PageValues ROC AUC {roc_n:.4f}  PR AUC {pr_n:.4f}")
    print(f"  published XGBoost  ROC AUC {PUBLISHED_XGB_ROC}   PR AUC {PUBLISHED_XGB_PR}")
    note = "PageValues is near-leaky; without_page_values is the figure to trust"
    return [
        emit(
            "shoppers_roc_auc",
            roc,
            "published XGBoost",
            PUBLISHED_XGB_ROC,
            unit="roc_auc",
            goal=">= published XGBoost",
            met=roc >= PUBLISHED_XGB_ROC,
            without_page_values=round(roc_n, 4),
            note=note,
        ),
        emit(
            "shoppers_pr_auc",
            pr,
            "published XGBoost",
            PUBLISHED_XGB_PR,
            unit="pr_auc",
            goal=">= published XGBoost",
            met=pr >= PUBLISHED_XGB_PR,
            without_page_values=round(pr_n, 4),
            note=note,
        ),
    ]


# ---------------------------------------------------------------- 3. simulated store


def simulated(accounts: int) -> list[dict[str, Any]]:
    import json

    from leadqual.services.imports import import_file
    from leadqual.services.training import train
    from leadqual.simulate import simulate, write_funnel
    from leadqual.store.database import open_store

    end, now = datetime(2026, 6, 30), datetime(2026, 7, 1)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_funnel(simulate(accounts, 5, months=12, end=end), Path(tmp))
        store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            for kind in ("accounts", "contacts", "events", "deals"):
                import_file(store, kind, paths[kind], now=now)
            result = train(store, now=now)
        finally:
            store.dispose()
        planted = json.loads(paths["truth"].read_text())["leads"]
    keys = [k for k, _, _ in result.held_out]
    y = np.array([label for _, label, _ in result.held_out])
    bayes = float(roc_auc_score(y, [planted[k]["p_win"] for k in keys]))
    ours = float(result.metrics["auc"])
    print(f"simulated {accounts:,} accounts: {len(keys):,} held-out leads, {int(y.sum())} won")
    print(f"  ours AUC {ours:.4f}  Bayes AUC (planted p_win) {bayes:.4f}  ratio {ours / bayes:.3f}")
    return [
        emit(
            "simulated_auc_vs_bayes",
            ours,
            "Bayes AUC of planted p_win",
            bayes,
            unit="roc_auc",
            goal=">= 0.97 x Bayes",
            met=ours >= 0.97 * bayes,
            accounts=accounts,
            n_test=len(keys),
            positives=int(y.sum()),
            ece=result.metrics["ece"],
            logistic_auc=result.baseline["auc"],
        ),
    ]


# ---------------------------------------------------------------- 4. speed


_INDUSTRIES = ["software", "retail", "ecommerce", "finance", "health", "education", "media"]
_COUNTRIES = ["US", "GB", "DE", "FR", "IN", "BR", "CA", "AU"]
_TECH = ["shopify", "bigcommerce", "hubspot", "salesforce", "stripe", "react", "wordpress"]
_SENIORITY = ["c_level", "vp", "director", "manager", "individual", None]
_DEPARTMENT = ["marketing", "sales", "engineering", "it", "finance", None]


def synthetic_leads(n: int, seed: int = 0) -> tuple[pa.Table, np.ndarray]:
    """``n`` leads with the model's feature columns and a planted signal: software/ecommerce,
    size, seniority, pricing visits and demo requests raise the odds of winning."""
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {}
    industry = rng.choice(_INDUSTRIES, n)
    seniority = rng.choice(np.array(_SENIORITY, dtype=object), n)
    employees = np.exp(rng.normal(4.5, 1.5, n)).astype(np.int64)
    pricing = rng.poisson(0.8, n)
    demo = rng.poisson(0.15, n)
    for name in MODEL_FEATURES:
        if name == "industry":
            cols[name] = pa.array(industry)
        elif name == "country":
            cols[name] = pa.array(rng.choice(_COUNTRIES, n))
        elif name == "seniority":
            cols[name] = pa.array(seniority.tolist(), pa.string())
        elif name == "department":
            cols[name] = pa.array(
                rng.choice(np.array(_DEPARTMENT, dtype=object), n).tolist(), pa.string()
            )
        elif name == "technologies":
            k = rng.integers(0, 4, n)
            flat = rng.choice(_TECH, int(k.sum()))
            offsets = np.concatenate([[0], np.cumsum(k)]).astype(np.int32)
            cols[name] = pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat))
        elif name == "employees":
            cols[name] = pa.array(employees)
        elif name == "pricing_views_30d":
            cols[name] = pa.array(pricing)
        elif name == "demo_requests_90d":
            cols[name] = pa.array(demo)
        elif name in ("annual_revenue", "ad_spend"):
            cols[name] = pa.array(
                np.where(rng.random(n) < 0.2, np.nan, rng.exponential(1e6, n)), from_pandas=True
            )
        elif name.startswith("days_"):
            cols[name] = pa.array(rng.exponential(30, n))
        else:
            cols[name] = pa.array(rng.poisson(2, n))
    logit = (
        -3.0
        + 0.9 * np.isin(industry, ["software", "ecommerce"])
        + 0.35 * np.log(employees + 1)
        + 0.8 * np.isin(seniority, ["c_level", "vp", "director"])
        + 0.5 * np.minimum(pricing, 4)
        + 1.5 * (demo > 0)
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pa.table(cols), y


def fit_model(path: str) -> bytes:
    """Encode and fit on the leads of a Parquet file (``label`` column): the pickled model."""
    table = pq.read_table(path)
    y = table.column("label").to_numpy()
    feats = table.drop_columns(["label"])
    enc = FeatureEncoder(MODEL_FEATURES).fit(feats)
    scorer = LeadScorer(random_state=0).fit(enc.transform(feats), y)
    return pickle.dumps((scorer, enc))


def prepare_store(path: str, n: int) -> None:
    """A store at ``path`` holding ``n`` bare leads (ids 1..n) to attach scores to."""
    from sqlalchemy import insert

    from leadqual.store.database import open_store
    from leadqual.store.models import Lead

    store = open_store(f"sqlite:///{path}")
    now = datetime(2026, 7, 1)
    try:
        with store.session() as s:
            conn = s.connection()
            for lo in range(0, n, 50_000):
                rows = [
                    {"id": i, "key": f"lead-{i}", "stage": "lead", "reasons": [], "created_at": now}
                    for i in range(lo + 1, min(lo + 50_000, n) + 1)
                ]
                conn.execute(insert(Lead.__table__), rows)
    finally:
        store.dispose()


def score_ours(model_path: str, table_path: str, chunk: int, store_path: str) -> int:
    """Our path, as `leadqual score` runs it: encode → one pass over the trees (p_win and
    contributions) → top 3 reasons in words → rows written to the store's lead_scores, by chunks."""
    from sqlalchemy import delete, insert

    from leadqual.ml.registry import StoredModel
    from leadqual.services.scoring import score_rows
    from leadqual.store.database import open_store
    from leadqual.store.models import LeadScore

    scorer, enc = pickle.loads(Path(model_path).read_bytes())
    model = StoredModel(1, datetime(2026, 7, 1), {}, scorer, enc)
    table = pq.read_table(table_path)
    store = open_store(f"sqlite:///{store_path}")
    scores = LeadScore.__table__
    n = 0
    try:
        with store.session() as s:
            conn = s.connection()
            conn.execute(delete(scores))  # best-of-N reruns replace, as re-scoring does
            for lo in range(0, table.num_rows, chunk):
                rows = score_rows(model, table.slice(lo, chunk), datetime(2026, 7, 1))
                conn.execute(insert(scores), rows)
                n += len(rows)
    finally:
        store.dispose()
    return n


def score_bare(model_path: str, matrix_path: str, chunk: int) -> int:
    """LightGBM alone on the already-encoded rows: ``predict`` + ``predict(pred_contrib=True)``."""
    scorer, _ = pickle.loads(Path(model_path).read_bytes())
    booster = scorer.booster_.booster_
    x = np.load(matrix_path, mmap_mode="r")
    n = 0
    for lo in range(0, x.shape[0], chunk):
        part = np.ascontiguousarray(x[lo : lo + chunk])
        booster.predict(part)
        booster.predict(part, pred_contrib=True)
        n += part.shape[0]
    return n


def speed(train_rows: int, score_rows: int, chunk: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        table, y = synthetic_leads(train_rows, seed=1)
        pq.write_table(table.append_column("label", pa.array(y)), d / "train.parquet")
        fit_s, fit_mb, blob = in_child(fit_model, str(d / "train.parquet"), repeat=1)
        (d / "model.pkl").write_bytes(blob)
        _, enc = pickle.loads(blob)
        print(
            f"train {train_rows:,} leads: LeadScorer.fit (with encoding) {fit_s:6.2f} s "
            f"{fit_mb:6.0f} MB peak"
        )
        scored = synthetic_leads(score_rows, seed=2)[0]
        pq.write_table(
            scored.append_column("lead_id", pa.array(np.arange(1, score_rows + 1))),
            d / "score.parquet",
        )
        prepare_store(str(d / "store.db"), score_rows)
        matrix = np.lib.format.open_memmap(
            d / "x.npy", mode="w+", dtype=np.float64, shape=(score_rows, len(enc.names_))
        )
        for lo in range(0, score_rows, chunk):
            matrix[lo : lo + chunk] = enc.transform(scored.slice(lo, chunk))
        matrix.flush()
        del matrix, scored
        ours_s, ours_mb, n1 = in_child(
            score_ours,
            str(d / "model.pkl"),
            str(d / "score.parquet"),
            chunk,
            str(d / "store.db"),
            repeat=1,
        )
        bare_s, bare_mb, n2 = in_child(
            score_bare, str(d / "model.pkl"), str(d / "x.npy"), chunk, repeat=1
        )
    assert n1 == n2 == score_rows
    print(
        f"score {score_rows:,} leads: ours (encode→p→contrib→reasons→stored) {ours_s:6.2f} s "
        f"{ours_mb:6.0f} MB peak"
    )
    print(
        f"{'':20}bare LightGBM predict+pred_contrib {bare_s:6.2f} s {bare_mb:6.0f} MB peak; "
        f"ratio {ours_s / bare_s:.2f}"
    )
    return [
        emit(
            "train_100k",
            fit_s,
            "goal: 60 s",
            60.0,
            goal="< 60 s for 100k leads on 2 cores",
            met=fit_s < 60 * (train_rows / 100_000) if train_rows < 100_000 else fit_s < 60,
            leads=train_rows,
        ),
        emit(
            "score_1m",
            ours_s,
            "LightGBM predict + pred_contrib",
            bare_s,
            goal="<= 1.5x bare LightGBM",
            met=ours_s <= 1.5 * bare_s,
            leads=score_rows,
            chunk=chunk,
            stored=True,
        ),
        emit(
            "score_1m_peak_memory",
            ours_mb,
            "LightGBM predict + pred_contrib",
            bare_mb,
            unit="MB",
            goal="< 2048 MB",
            met=ours_mb < 2048,
            leads=score_rows,
        ),
    ]


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (about 30 s)")
    parser.add_argument("--train-rows", type=int, default=100_000)
    parser.add_argument(
        "--score-rows",
        type=int,
        default=100_000,
        help="1M takes ~15 min per side: pred_contrib costs ~0.8 ms a row on one core",
    )
    parser.add_argument("--chunk", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=5, help="more X Education splits")
    parser.add_argument("--skip-real", action="store_true", help="no X Education / shoppers")
    args = parser.parse_args(argv)
    if args.quick:
        args.train_rows, args.score_rows, args.accounts = 20_000, 5_000, 1_500
    t = time.perf_counter()
    lines: list[dict[str, Any]] = []
    if not args.skip_real:
        lines += x_education(1 if args.quick else args.repeats)
        lines += shoppers()
    lines += simulated(args.accounts)
    lines += speed(args.train_rows, args.score_rows, min(args.chunk, args.score_rows))
    print(f"bench.scoring done in {time.perf_counter() - t:.0f} s")
    return lines


if __name__ == "__main__":
    main()
