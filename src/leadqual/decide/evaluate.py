"""Evaluate a contract over a feature table: fit points, every criterion passed or failed, the
stage rules, and the stage each lead moves to — one vectorized DuckDB query, no Python loop over
leads.

The stage a lead moves to, in order of precedence:

1. a won deal → ``customer``; an open deal → ``opportunity``; a lost deal with nothing open moves an
   ``opportunity`` to ``recycled`` (evidence from the CRM, not from the contract);
2. a disqualify criterion → ``disqualified`` (from lead, mql, sal or recycled);
3. the ``sql`` rule → ``sql`` (from mql or sal);
4. the ``mql`` rule → ``mql`` (from lead or recycled);
5. the recycle rule → ``recycled`` (from mql): intent below ``intent_below`` at the start of the
   ``for_days`` window and now, with no intent signal in between.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadqual.contract.model import Contract
from leadqual.duck import connect

__all__ = ["Evaluation", "evaluate", "evaluation_sql", "settle"]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _points(p: float) -> str:
    return f"{p:+g}"


def evaluation_sql(contract: Contract, table: str = "features") -> str:
    """The one query that evaluates ``contract`` over a feature table named ``table``."""
    crit = [
        f"COALESCE(({c.when.to_sql('duckdb')}), FALSE) AS {_q('fit:' + c.name)}"
        for c in contract.fit
    ]
    fit_sum = (
        " + ".join(
            f"CASE WHEN {_q('fit:' + c.name)} THEN {float(c.points)!r} ELSE 0 END"
            for c in contract.fit
        )
        or "0.0"
    )
    fit_reasons = [
        f"CASE WHEN {_q('fit:' + c.name)} THEN {_lit(f'{c.name} ({_points(c.points)})')} END"
        for c in contract.fit
    ]
    intent_reasons = [
        f"CASE WHEN {_q('intent:' + s.name)} >= 0.05 THEN "
        f"{_lit(s.name + ' (+')} || CAST(round({_q('intent:' + s.name)}, 1) AS VARCHAR) || ')' END"
        for s in contract.intent.signals
    ]
    reasons = (
        "list_filter([" + ", ".join(fit_reasons + intent_reasons) + "], lambda x: x IS NOT NULL)"
    )
    if not fit_reasons and not intent_reasons:
        reasons = "CAST([] AS VARCHAR[])"
    crit_cols = ", ".join(_q("fit:" + c.name) for c in contract.fit)
    rules = contract.stages
    disq = " ".join(
        f"WHEN COALESCE(({d.when.to_sql('duckdb')}), FALSE) THEN {_lit(d.name)}"
        for d in rules.disqualify
    )
    disq_sql = f"CASE {disq} END" if disq else "CAST(NULL AS VARCHAR)"
    thr = float(rules.recycle.intent_below)
    return f"""
WITH crit AS (
  SELECT *{", " if crit else ""}{", ".join(crit)} FROM {table}
), scored AS (
  SELECT *, ({fit_sum}) AS fit FROM crit
), ruled AS (
  SELECT *,
    COALESCE(({rules.mql.to_sql("duckdb")}), FALSE) AS "rule:mql",
    COALESCE(({rules.sql.to_sql("duckdb")}), FALSE) AS "rule:sql",
    {disq_sql} AS "rule:disqualify",
    (intent < {thr!r} AND intent_window_start < {thr!r} AND signals_in_window = 0)
      AS "rule:recycle"
  FROM scored
)
SELECT lead_id, stage, intent, fit{", " if crit_cols else ""}{crit_cols},
  "rule:mql", "rule:sql", "rule:disqualify", "rule:recycle",
  CASE
    WHEN won_deal AND stage <> 'customer' THEN 'customer'
    WHEN open_deal AND stage IN ('lead', 'mql', 'sal', 'sql', 'recycled') THEN 'opportunity'
    WHEN lost_deal AND NOT open_deal AND stage = 'opportunity' THEN 'recycled'
    WHEN "rule:disqualify" IS NOT NULL AND stage IN ('lead', 'mql', 'sal', 'recycled')
      THEN 'disqualified'
    WHEN "rule:sql" AND stage IN ('mql', 'sal') THEN 'sql'
    WHEN "rule:mql" AND stage IN ('lead', 'recycled') THEN 'mql'
    WHEN "rule:recycle" AND stage = 'mql' THEN 'recycled'
    ELSE stage
  END AS new_stage,
  {reasons} AS reasons
FROM ruled
ORDER BY lead_id
"""


@dataclass(frozen=True)
class Evaluation:
    """Per lead (ordered by ``lead_id``): ``lead_id``, ``stage``, ``intent``, ``fit``, the
    ``fit:<criterion>`` booleans, ``rule:mql``/``rule:sql``/``rule:recycle`` booleans,
    ``rule:disqualify`` (the criterion's name or null), ``new_stage`` and ``reasons`` (passed
    criteria and live signals)."""

    table: pa.Table

    @property
    def changed(self) -> pa.Table:
        """Only the leads whose stage changes."""
        return self.table.filter(pc.not_equal(self.table["new_stage"], self.table["stage"]))


def evaluate(
    features: pa.Table, contract: Contract, con: duckdb.DuckDBPyConnection | None = None
) -> Evaluation:
    """Evaluate ``contract`` over ``features`` (a table as ``features.build`` makes it).

    ``con``: a DuckDB connection to reuse (one is opened and closed otherwise).
    """
    own = con is None
    con = connect() if con is None else con
    try:
        con.register("features", features)
        return Evaluation(con.sql(evaluation_sql(contract)).to_arrow_table())
    finally:
        con.unregister("features")
        if own:
            con.close()


_CHANGE_COLUMNS = ["lead_id", "stage", "new_stage", "fit", "intent", "rule:disqualify"]
_ACCEPTED = pa.array(["sal", "sql", "opportunity", "customer"])
_MAX_STEPS = 8  # more than the stages a lead can pass through at one time


def settle(features: pa.Table, contract: Contract) -> tuple[Evaluation, list[dict[str, object]]]:
    """Evaluate until no lead moves, so that qualifying twice at one as-of changes nothing.

    A lead can take more than one step at one time — an opportunity whose deal was lost is recycled
    and, still fitting and interested, is an MQL again. Rows are independent, so after the first
    pass only the leads that moved are evaluated again. Returns the final evaluation (ordered by
    ``lead_id``) and every move in order (``lead_id``, ``stage``, ``new_stage``, ``fit``,
    ``intent``, ``rule:disqualify``).
    """
    con = connect()
    try:
        first = evaluate(features, contract, con)
        moves: list[dict[str, object]] = []
        rows = np.arange(first.table.num_rows)  # positions (in ``features``) of the latest piece
        pieces, piece_rows = [first.table], [rows]
        owner = np.zeros(rows.size, dtype=np.int64)  # the piece that holds each row's last word
        table, ev = features, first
        for _ in range(_MAX_STEPS):
            moved = np.asarray(
                pc.not_equal(ev.table["new_stage"], ev.table["stage"]).to_numpy(
                    zero_copy_only=False
                )
            )
            if not moved.any():
                break
            moves.extend(ev.table.filter(pa.array(moved)).select(_CHANGE_COLUMNS).to_pylist())
            rows = rows[moved]
            table = table.filter(pa.array(moved))
            stage = ev.table["new_stage"].filter(pa.array(moved))
            accepted = pc.or_(table["sales_accepted"], pc.is_in(stage, _ACCEPTED))
            table = table.set_column(table.schema.get_field_index("stage"), "stage", stage)
            table = table.set_column(
                table.schema.get_field_index("sales_accepted"), "sales_accepted", accepted
            )
            ev = evaluate(table, contract, con)
            pieces.append(ev.table)
            piece_rows.append(rows)
            owner[rows] = len(pieces) - 1
    finally:
        con.close()
    if len(pieces) == 1:
        return first, moves
    latest = [
        piece.filter(pa.array(owner[at] == k))
        for k, (piece, at) in enumerate(zip(pieces, piece_rows, strict=True))
    ]
    merged = pa.concat_tables(latest).sort_by("lead_id")
    return Evaluation(merged), moves
