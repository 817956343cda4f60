"""Write a simulated funnel in the canonical import format: four CSV files and truth.json.

Values are written so that they round-trip through the canonical importer: integers without a
decimal point, ISO timestamps (``2026-03-01T12:30:00``), booleans ``true``/``false``,
technologies ``;``-separated, an empty cell for a missing value. Events are rendered in chunks
so that a 50,000-account funnel does not hold millions of Python strings at once.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from leadqual.errors import InvalidInput
from leadqual.features.schema import EVENT_TYPES
from leadqual.simulate.deals import STAGES
from leadqual.simulate.funnel import SimulatedFunnel
from leadqual.simulate.vocabulary import (
    CAMPAIGNS,
    FORMS,
    JOB_TITLES,
    MEETING_TITLES,
    PAGES,
    REFERRERS,
    SITE,
)

__all__ = [
    "ACCOUNT_COLUMNS",
    "CONTACT_COLUMNS",
    "DEAL_COLUMNS",
    "EVENT_COLUMNS",
    "FILES",
    "write_funnel",
]

ACCOUNT_COLUMNS = (
    "domain", "name", "industry", "employees", "annual_revenue", "country", "technologies",
    "monthly_visits", "ad_spend", "dept_marketing", "dept_sales", "dept_engineering", "dept_it",
    "external_id", "created_at",
)  # fmt: skip
CONTACT_COLUMNS = (
    "email", "account_domain", "first_name", "last_name", "job_title", "consent_email",
    "consent_tracking", "external_id", "created_at",
)  # fmt: skip
EVENT_COLUMNS = (
    "event_id", "type", "occurred_at", "email", "account_domain", "visitor_id", "url", "path",
    "page_type", "referrer", "title", "dwell_ms", "form_kind", "source",
)  # fmt: skip
DEAL_COLUMNS = (
    "deal_id", "account_domain", "contact_email", "name", "amount", "stage", "created_at",
    "closed_at",
)  # fmt: skip
FILES = ("accounts", "contacts", "events", "deals", "truth")
CHUNK = 100_000

PV, FORM, OPEN, CLICK, MEETING = (
    EVENT_TYPES.index(t)
    for t in ("page_view", "form_submit", "email_open", "email_click", "meeting")
)
SOURCES = {PV: "tracker", FORM: "tracker", OPEN: "email", CLICK: "email", MEETING: "crm"}


def _iso(seconds: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(np.asarray(seconds).astype("datetime64[s]"), unit="s")


def _lookup(values: Sequence[Any], index: np.ndarray) -> np.ndarray:
    """``values[index]`` as an object array, None where ``index`` is -1."""
    table = np.array([*values, None], dtype=object)
    return table[np.where(index < 0, len(values), index)]


def _nullable(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """``values`` as an object array with None (an empty cell) where ``present`` is false."""
    out = np.asarray(values).astype(object)
    out[~present] = None
    return out


def _account_rows(f: SimulatedFunnel) -> Iterator[tuple[Any, ...]]:
    a = f.accounts
    tech = [";".join(t) for t in a.technology_lists()]
    created = _iso(f.account_created_at)
    cols = (
        a.domain, a.name, a.industry_names().tolist(), a.employees.tolist(),
        a.annual_revenue.tolist(), a.country_names().tolist(), tech, a.monthly_visits.tolist(),
        a.ad_spend.tolist(), a.dept_marketing.tolist(), a.dept_sales.tolist(),
        a.dept_engineering.tolist(), a.dept_it.tolist(),
        [f"sim{f.seed}-acc-{i:06d}" for i in range(len(a))], created.tolist(),
    )  # fmt: skip
    return zip(*cols, strict=True)


def _contact_rows(f: SimulatedFunnel) -> Iterator[tuple[Any, ...]]:
    c = f.contacts
    titles = [JOB_TITLES[t].title for t in c.title]
    domains = [f.accounts.domain[a] for a in c.account]
    consent = ["true" if x else "false" for x in c.consent_email]
    cols = (
        c.email, domains, c.first_name, c.last_name, titles, consent, ["true"] * len(c),
        [f"sim{f.seed}-con-{i:06d}" for i in range(len(c))], _iso(c.created_at).tolist(),
    )  # fmt: skip
    return zip(*cols, strict=True)


def _deal_rows(f: SimulatedFunnel) -> Iterator[tuple[Any, ...]]:
    d, leads = f.deals, f.leads
    contact = leads.contact[d.lead]
    account = leads.account[d.lead]
    plans = np.select([d.amount >= 60_000, d.amount >= 15_000], ["Enterprise", "Growth"], "Starter")
    names = [f"{f.accounts.name[a]} – {p} plan" for a, p in zip(account, plans, strict=True)]
    closed = _nullable(_iso(np.maximum(d.closed_at, 0)), d.closed_at >= 0)
    cols = (
        [f"sim{f.seed}-deal-{i:06d}" for i in range(len(d))],
        [f.accounts.domain[a] for a in account],
        [f.contacts.email[c] for c in contact],
        names, d.amount.tolist(), [STAGES[s] for s in d.stage], _iso(d.created_at).tolist(),
        closed.tolist(),
    )  # fmt: skip
    return zip(*cols, strict=True)


def _event_rows(
    f: SimulatedFunnel, visitor_ids: np.ndarray, lo: int, hi: int
) -> Iterator[tuple[Any, ...]]:
    e, leads = f.events, f.leads
    lead = e.lead[lo:hi]
    etype = e.type[lo:hi].astype(np.int64)
    item = e.item[lo:hi].astype(np.int64)
    m = hi - lo
    person = leads.contact[lead] >= 0
    emails = _lookup(f.contacts.email, np.where(person, leads.contact[lead], -1))
    domains = _lookup(f.accounts.domain, np.where(person, -1, leads.account[lead]))
    device = e.device[lo:hi].astype(np.int64)
    visitor = _nullable(visitor_ids[lead, np.maximum(device, 0)], device >= 0)

    is_pv, is_form = etype == PV, etype == FORM
    is_mail, is_click, is_meet = np.isin(etype, (OPEN, CLICK)), etype == CLICK, etype == MEETING
    path = np.full(m, None, dtype=object)
    title = np.full(m, None, dtype=object)
    page_type = np.full(m, None, dtype=object)
    form_kind = np.full(m, None, dtype=object)
    path[is_pv] = _lookup([p[0] for p in PAGES], item[is_pv])
    title[is_pv] = _lookup([p[2] for p in PAGES], item[is_pv])
    page_type[is_pv] = _lookup([p[1] for p in PAGES], item[is_pv])
    path[is_form] = _lookup([x[1] for x in FORMS], item[is_form])
    title[is_form] = _lookup([x[2] for x in FORMS], item[is_form])
    form_kind[is_form] = _lookup([x[0] for x in FORMS], item[is_form])
    title[is_mail] = _lookup([c[0] for c in CAMPAIGNS], item[is_mail])
    path[is_click] = _lookup([c[1] for c in CAMPAIGNS], item[is_click])
    title[is_meet] = _lookup(MEETING_TITLES, item[is_meet])
    url = np.full(m, None, dtype=object)
    has_path = path != None  # noqa: E711 (elementwise comparison on an object array)
    url[has_path] = SITE + path[has_path]
    url[is_click] = url[is_click] + "?utm_source=email&utm_medium=newsletter"
    referrer = _lookup([r or None for r, _ in REFERRERS], e.referrer[lo:hi].astype(np.int64))
    dwell = e.dwell_ms[lo:hi]
    dwell_col = _nullable(dwell, dwell >= 0)
    ids = [f"sim{f.seed}-ev-{i:08d}" for i in range(lo, hi)]
    cols = (
        ids, _lookup(EVENT_TYPES, etype).tolist(), _iso(e.at[lo:hi]).tolist(), emails.tolist(),
        domains.tolist(), visitor.tolist(), url.tolist(), path.tolist(), page_type.tolist(),
        referrer.tolist(), title.tolist(), dwell_col.tolist(), form_kind.tolist(),
        [SOURCES[t] for t in etype.tolist()],
    )  # fmt: skip
    return zip(*cols, strict=True)


def _visitor_ids(ids: np.ndarray) -> np.ndarray:
    """Each lead's two first-party cookie ids as text (``v`` + 16 hex digits)."""
    text = [f"v{v:016x}" for v in ids.ravel().tolist()]
    return np.array(text, dtype=object).reshape(ids.shape)


def _write_csv(path: Path, columns: Sequence[str], chunks: Iterator[Iterator[tuple]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        for rows in chunks:
            writer.writerows(rows)


def write_funnel(funnel: SimulatedFunnel, out_dir: Path) -> dict[str, Path]:
    """Write ``funnel`` into ``out_dir`` (created if needed); returns the path of each file.

    >>> import tempfile
    >>> from leadqual.simulate.funnel import simulate
    >>> paths = write_funnel(simulate(30, seed=1), Path(tempfile.mkdtemp()))
    >>> sorted(paths)
    ['accounts', 'contacts', 'deals', 'events', 'truth']
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInput(f"{out_dir} is a file; pass a directory to --out.", field="out")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {n: out_dir / (f"{n}.json" if n == "truth" else f"{n}.csv") for n in FILES}
    _write_csv(paths["accounts"], ACCOUNT_COLUMNS, iter([_account_rows(funnel)]))
    _write_csv(paths["contacts"], CONTACT_COLUMNS, iter([_contact_rows(funnel)]))
    n = len(funnel.events)
    visitor_ids = _visitor_ids(funnel.events.visitor_ids)
    _write_csv(
        paths["events"],
        EVENT_COLUMNS,
        (_event_rows(funnel, visitor_ids, lo, min(lo + CHUNK, n)) for lo in range(0, n, CHUNK)),
    )
    _write_csv(paths["deals"], DEAL_COLUMNS, iter([_deal_rows(funnel)]))
    with paths["truth"].open("w", encoding="utf-8") as fh:
        json.dump(funnel.truth, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    return paths
