"""Events: what each lead does on the website, in email and in meetings, drawn in columns.

Every lead has a background rhythm (page views, some email, the odd content form) from its first
activity to the end of the window. On top of it sits a burst of buying research — pricing,
product and docs pages, demo and contact-sales forms — in the weeks before a deal is opened, and
for some leads that research and never buy. A deal's lead usually requests a demo first and
meets sales afterwards. Students, recruiters and other noise browse careers pages and content.
Account-only leads are anonymous company visits: page views only, with a visitor id.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leadqual.features.schema import EVENT_TYPES, FORM_KINDS, PAGE_TYPES
from leadqual.simulate.deals import DealTable
from leadqual.simulate.leads import LeadTable
from leadqual.simulate.people import DAY, ContactTable
from leadqual.simulate.vocabulary import CAMPAIGNS, FORMS, MEETING_TITLES, PAGES, REFERRERS

__all__ = ["EventTable", "generate_events"]

PV, FORM, OPEN, CLICK, MEETING = (
    EVENT_TYPES.index(t)
    for t in ("page_view", "form_submit", "email_open", "email_click", "meeting")
)
# Behaviour groups: background of a buyer-ish person, background of noise, a buying burst,
# an anonymous company visit.
BACKGROUND, NOISE, BURST, ANONYMOUS = range(4)
PERSON_RATE_PER_DAY = 0.35
ANONYMOUS_RATE_PER_DAY = 0.06

# Columns in EVENT_TYPES order: page_view, form_submit, email_open, email_click, meeting.
TYPE_P = np.array(
    [
        [0.82, 0.04, 0.11, 0.03, 0.0],
        [0.85, 0.03, 0.10, 0.02, 0.0],
        [0.86, 0.07, 0.03, 0.04, 0.0],
        [1.00, 0.00, 0.00, 0.00, 0.0],
    ]
)
# Columns in PAGE_TYPES order: home, pricing, product, docs, blog, careers, about, other.
PAGE_P = np.array(
    [
        [0.18, 0.05, 0.14, 0.10, 0.34, 0.05, 0.08, 0.06],
        [0.12, 0.01, 0.04, 0.01, 0.30, 0.40, 0.10, 0.02],
        [0.07, 0.25, 0.30, 0.20, 0.10, 0.01, 0.05, 0.02],
        [0.25, 0.06, 0.16, 0.06, 0.30, 0.08, 0.07, 0.02],
    ]
)
# Columns in FORM_KINDS order: content_download, demo_request, contact_sales, webinar,
# newsletter, other.
FORM_P = np.array(
    [
        [0.45, 0.04, 0.03, 0.20, 0.25, 0.03],
        [0.50, 0.00, 0.00, 0.15, 0.30, 0.05],
        [0.25, 0.35, 0.20, 0.15, 0.00, 0.05],
        [1.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    ]
)
DWELL_MEDIAN_S = {
    "home": 15,
    "pricing": 60,
    "product": 45,
    "docs": 90,
    "blog": 70,
    "careers": 40,
    "about": 25,
    "other": 20,
}


@dataclass(frozen=True)
class EventTable:
    """One row per event, sorted by lead then time. Categorical columns are indexes into the
    vocabulary (``item`` means a page for page views, a form for form submissions, a campaign
    for email events and a meeting title for meetings); -1 means empty."""

    lead: np.ndarray
    at: np.ndarray  # int64 epoch seconds
    type: np.ndarray  # index into EVENT_TYPES
    item: np.ndarray
    referrer: np.ndarray  # index into REFERRERS, -1 empty
    dwell_ms: np.ndarray  # -1 empty
    device: np.ndarray  # 0/1 selects the lead's visitor id, -1 empty
    visitor_ids: np.ndarray  # per lead, shape (n_leads, 2), uint64

    def __len__(self) -> int:
        return len(self.at)


def _index_by(keys: list[str], order: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Offsets and counts of the vocabulary rows of each category (rows grouped by category)."""
    cats = np.array([order.index(k) for k in keys])
    sorter = np.argsort(cats, kind="stable")
    counts = np.bincount(cats, minlength=len(order))
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return sorter, np.stack([offsets, counts])


PAGE_SORT, PAGE_SPAN = _index_by([p[1] for p in PAGES], PAGE_TYPES)
FORM_SORT, FORM_SPAN = _index_by([f[0] for f in FORMS], FORM_KINDS)


def _categorical(rng: np.random.Generator, group: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Draw one category per row from the row's group's distribution (inverse CDF)."""
    cum = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(group))
    return np.minimum((u[:, None] > cum[group]).sum(axis=1), table.shape[1] - 1)


def _item(
    rng: np.random.Generator, cat: np.ndarray, sort: np.ndarray, span: np.ndarray
) -> np.ndarray:
    offsets, counts = span[0][cat], span[1][cat]
    pick = offsets + np.floor(rng.random(len(cat)) * np.maximum(counts, 1)).astype(np.int64)
    return sort[np.minimum(pick, len(sort) - 1)]


def generate_events(
    rng: np.random.Generator,
    leads: LeadTable,
    contacts: ContactTable,
    deals: DealTable,
    end: int,
) -> EventTable:
    """All events of all leads, in ``[lead.created_at, end)``, sorted by lead then time."""
    n = len(leads)
    person = leads.is_person
    created = leads.created_at
    span = (end - created).astype(float)
    group_of_lead = np.where(person, np.where(leads.noise, NOISE, BACKGROUND), ANONYMOUS)
    rate = np.where(person, PERSON_RATE_PER_DAY, ANONYMOUS_RATE_PER_DAY) * leads.engagement
    rate = rate * np.where(leads.noise, 0.6, 1.0)

    # Background rhythm.
    n_bg = rng.poisson(rate * span / DAY)
    bg_lead = np.repeat(np.arange(n), n_bg)
    bg_at = created[bg_lead] + (rng.random(len(bg_lead)) * span[bg_lead]).astype(np.int64)
    bg_group = group_of_lead[bg_lead]

    # Buying research: before each deal, and for some leads that never buy.
    deal_at = np.full(n, -1, dtype=np.int64)
    deal_at[deals.lead] = deals.created_at
    has_deal = deal_at >= 0
    p_research = np.where(person, 0.1 + 0.4 * leads.intent, np.minimum(1.0, 0.1 + 2 * leads.p_open))
    research = ~has_deal & (rng.random(n) < p_research * np.where(leads.noise, 0.3, 1.0))
    peak = np.where(has_deal, deal_at, created + (rng.random(n) * span).astype(np.int64))
    size = np.where(has_deal, 25.0, np.where(person, 15.0, 8.0)) * (0.5 + leads.intent)
    n_burst = np.where(has_deal | research, rng.poisson(size), 0)
    b_lead = np.repeat(np.arange(n), n_burst)
    b_at = peak[b_lead] - (rng.exponential(18.0, size=len(b_lead)) * DAY).astype(np.int64)
    b_at = np.maximum(b_at, created[b_lead])
    b_group = np.where(person[b_lead], BURST, ANONYMOUS)

    lead = np.concatenate([np.arange(n), bg_lead, b_lead])
    at = np.concatenate([created, bg_at, b_at])
    group = np.concatenate([group_of_lead, bg_group, b_group])
    first = np.zeros(len(lead), dtype=bool)
    first[:n] = True

    etype = _categorical(rng, group, TYPE_P)
    consent = np.ones(n, dtype=bool)
    consent[person] = contacts.consent_email[leads.contact[person]]
    emailed = np.isin(etype, (OPEN, CLICK))
    etype[emailed & ~consent[lead]] = PV
    # A person's first activity is the form that identified them; a company's, a page view.
    etype[first] = np.where(person, FORM, PV)
    form_group = np.where(first, NOISE, group)  # identifying forms are content forms

    item = np.full(len(lead), -1, dtype=np.int64)
    is_pv, is_form = etype == PV, etype == FORM
    item[is_pv] = _item(rng, _categorical(rng, group[is_pv], PAGE_P), PAGE_SORT, PAGE_SPAN)
    item[is_form] = _item(rng, _categorical(rng, form_group[is_form], FORM_P), FORM_SORT, FORM_SPAN)
    is_mail = np.isin(etype, (OPEN, CLICK))
    item[is_mail] = rng.integers(0, len(CAMPAIGNS), size=int(is_mail.sum()))

    # Deals: a demo request before most of them, meetings after.
    demo_form = next(i for i, f in enumerate(FORMS) if f[0] == "demo_request")
    d_lead = deals.lead
    asked = rng.random(len(d_lead)) < 0.8
    demo_at = deals.created_at - (rng.uniform(1, 10, size=len(d_lead)) * DAY).astype(np.int64)
    demo_at = np.maximum(demo_at, created[d_lead] + 60)
    deal_end = np.where(deals.closed_at >= 0, deals.closed_at, end)
    first_meet = np.where(asked, demo_at, deals.created_at)
    first_meet = first_meet + (rng.uniform(1, 6, size=len(d_lead)) * DAY).astype(np.int64)
    extra = rng.poisson(0.8, size=len(d_lead))
    x_lead = np.repeat(np.arange(len(d_lead)), extra)
    lo, hi = deals.created_at[x_lead], np.maximum(deal_end[x_lead], deals.created_at[x_lead] + 1)
    x_at = lo + (rng.random(len(x_lead)) * (hi - lo)).astype(np.int64)

    # Demo requests outside deals: a meeting follows sometimes.
    stray = np.flatnonzero(is_form & (item == demo_form) & ~has_deal[lead])
    stray = stray[rng.random(len(stray)) < 0.25]
    s_at = at[stray] + (rng.uniform(1, 7, size=len(stray)) * DAY).astype(np.int64)

    meet_lead = np.concatenate([d_lead, d_lead[x_lead], lead[stray]])
    meet_at = np.concatenate([first_meet, x_at, s_at])
    lead = np.concatenate([lead, d_lead[asked], meet_lead])
    at = np.concatenate([at, demo_at[asked], meet_at])
    etype = np.concatenate(
        [etype, np.full(int(asked.sum()), FORM), np.full(len(meet_lead), MEETING)]
    )
    item = np.concatenate(
        [
            item,
            np.full(int(asked.sum()), demo_form),
            rng.integers(0, len(MEETING_TITLES), size=len(meet_lead)),
        ]
    )

    keep = (at < end) & (at >= created[lead])
    order = np.lexsort((at[keep], lead[keep]))
    lead, at, etype, item = (a[keep][order] for a in (lead, at, etype, item))

    m = len(lead)
    is_pv = etype == PV
    ref = np.full(m, -1, dtype=np.int64)
    ref_w = np.array([[w for _, w in REFERRERS]], dtype=float)
    ref[is_pv] = _categorical(rng, np.zeros(int(is_pv.sum()), dtype=np.int64), ref_w)
    medians = np.array([DWELL_MEDIAN_S[p[1]] for p in PAGES], dtype=float) * 1000.0
    dwell = np.full(m, -1, dtype=np.int64)
    dwell[is_pv] = np.rint(medians[item[is_pv]] * rng.lognormal(0, 0.8, int(is_pv.sum())))
    tracked = is_pv | (etype == FORM)
    devices = 1 + (rng.random(n) < 0.35)
    device = np.where(tracked, np.floor(rng.random(m) * devices[lead]), -1).astype(np.int8)
    visitor_ids = rng.integers(0, np.iinfo(np.int64).max, size=(n, 2), dtype=np.int64)
    return EventTable(
        lead=lead.astype(np.int64),
        at=at.astype(np.int64),
        type=etype.astype(np.int8),
        item=item.astype(np.int16),
        referrer=ref.astype(np.int8),
        dwell_ms=dwell,
        device=device,
        visitor_ids=visitor_ids.astype(np.uint64),
    )
