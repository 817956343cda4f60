"""Synthetic accounts with correlated firmographics, drawn column by column with numpy.

Size drives everything else: revenue is head count times a log-normal revenue per employee,
ad spend a share of revenue, web visits grow with size (more for shops and media), departments
are shares of the head count and technologies are more likely the bigger (or the more
e-commerce) the company is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leadqual.simulate.vocabulary import (
    COUNTRIES,
    INDUSTRIES,
    NAME_PREFIXES,
    NAME_SUFFIXES,
    PLATFORMS,
    TECHNOLOGIES,
)

__all__ = ["AccountTable", "generate_accounts"]

MEDIAN_EMPLOYEES = 120
MAX_EMPLOYEES = 50_000
REVENUE_PER_EMPLOYEE = 190_000.0
GENERIC_WORDS = ("group", "hq", "co", "labs")


@dataclass(frozen=True)
class AccountTable:
    """One row per account; ``technologies`` is a boolean matrix over ``TECHNOLOGIES``."""

    domain: list[str]
    name: list[str]
    industry: np.ndarray  # int index into INDUSTRIES
    employees: np.ndarray
    annual_revenue: np.ndarray
    country: np.ndarray  # int index into COUNTRIES
    technologies: np.ndarray  # bool, shape (n, len(TECHNOLOGIES))
    monthly_visits: np.ndarray
    ad_spend: np.ndarray
    dept_marketing: np.ndarray
    dept_sales: np.ndarray
    dept_engineering: np.ndarray
    dept_it: np.ndarray

    def __len__(self) -> int:
        return len(self.domain)

    def industry_names(self) -> np.ndarray:
        return np.array([i.name for i in INDUSTRIES], dtype=object)[self.industry]

    def country_names(self) -> np.ndarray:
        return np.array([c[0] for c in COUNTRIES], dtype=object)[self.country]

    def technology_lists(self) -> list[list[str]]:
        return [[TECHNOLOGIES[j] for j in np.flatnonzero(row)] for row in self.technologies]


def _weights(values: list[float] | tuple[float, ...]) -> np.ndarray:
    w = np.asarray(values, dtype=float)
    return w / w.sum()


def _technologies(
    rng: np.random.Generator, industry: np.ndarray, employees: np.ndarray
) -> np.ndarray:
    n = len(industry)
    names = [i.name for i in INDUSTRIES]
    is_ind = {name: industry == k for k, name in enumerate(names)}
    size = np.log10(employees)
    tech = np.zeros((n, len(TECHNOLOGIES)), dtype=bool)

    # An e-commerce platform: mostly shops and retailers; small ones on Shopify/WooCommerce,
    # large ones on Salesforce Commerce/Magento.
    p_platform = np.array([i.platform for i in INDUSTRIES])[industry]
    has_platform = rng.random(n) < p_platform
    band = np.digitize(employees, [50, 1000])
    band_weights = (
        _weights([45, 12, 6, 35, 2]),
        _weights([35, 25, 20, 10, 10]),
        _weights([20, 15, 30, 0, 35]),
    )
    for b, weights in enumerate(band_weights):
        rows = np.flatnonzero(has_platform & (band == b))
        tech[rows, rng.choice(len(PLATFORMS), size=len(rows), p=weights)] = True

    col = {t: k for k, t in enumerate(TECHNOLOGIES)}
    marketing_led = is_ind["software"] | is_ind["consulting"] | is_ind["media"]
    probs = {
        "hubspot": np.where(employees < 500, 0.35, 0.15) * np.where(marketing_led, 1.4, 1.0),
        "salesforce": np.clip(0.05 + 0.12 * np.log(employees / 20), 0.03, 0.8),
        "marketo": np.select([employees >= 1000, employees >= 200], [0.35, 0.12], 0.02),
        "mailchimp": np.where(employees < 50, 0.35, 0.08),
        "google analytics": np.full(n, 0.72),
        "segment": np.where(is_ind["software"] | is_ind["ecommerce"], 0.25, 0.06)
        * np.clip(size / 2.0, 0.5, 1.5),
        "wordpress": np.full(n, 0.3),
        "intercom": np.where(is_ind["software"], 0.25, 0.05),
        "zendesk": np.full(n, 0.15),
    }
    draws = rng.random((n, len(probs)))
    for k, (name, p) in enumerate(probs.items()):
        tech[:, col[name]] = draws[:, k] < p
    return tech


def _names(
    rng: np.random.Generator, industry: np.ndarray, country: np.ndarray
) -> tuple[list[str], list[str]]:
    """Unique, realistic-looking domains (``brightlane-logistics.com``) and company names."""
    n = len(industry)
    tries = 4
    prefix = rng.integers(0, len(NAME_PREFIXES), size=(tries, n))
    suffix = rng.integers(0, len(NAME_SUFFIXES), size=(tries, n))
    style = rng.choice(3, size=(tries, n), p=[0.5, 0.3, 0.2])
    word_pick = rng.integers(0, 1 << 16, size=(tries, n))
    local_tld = rng.random(size=(tries, n)) < 0.3
    us_tld = rng.choice(["com", "io", "co"], size=(tries, n), p=[0.8, 0.12, 0.08])
    domains: list[str] = []
    names: list[str] = []
    taken: set[str] = set()
    for i in range(n):
        words = INDUSTRIES[industry[i]].words
        country_tld = COUNTRIES[country[i]][2]
        candidates = []
        for t in range(tries):
            base = NAME_PREFIXES[prefix[t, i]] + NAME_SUFFIXES[suffix[t, i]]
            if style[t, i] == 0:
                word = words[word_pick[t, i] % len(words)]
            elif style[t, i] == 1:
                word = ""
            else:
                word = GENERIC_WORDS[word_pick[t, i] % len(GENERIC_WORDS)]
            tld = country_tld if (local_tld[t, i] and country_tld != "com") else us_tld[t, i]
            candidates.append((f"{base}-{word}" if word else base, str(tld)))
        free = [c for c in candidates if f"{c[0]}.{c[1]}" not in taken]
        stem, tld = free[0] if free else candidates[-1]
        if not free:  # every candidate was taken: number the last one
            k = 2
            while f"{stem}{k}.{tld}" in taken:
                k += 1
            stem = f"{stem}{k}"
        domain = f"{stem}.{tld}"
        taken.add(domain)
        domains.append(domain)
        label = stem.split("-")
        head = label[0].capitalize()
        tail = label[1] if len(label) > 1 else ""
        tail = tail.upper() if tail == "hq" else tail.capitalize()
        names.append(f"{head} {tail}".strip())
    return domains, names


def generate_accounts(rng: np.random.Generator, n: int) -> AccountTable:
    """Draw ``n`` accounts.

    >>> t = generate_accounts(np.random.default_rng(1), 3)
    >>> len(t), len(set(t.domain))
    (3, 3)
    """
    industry = rng.choice(len(INDUSTRIES), size=n, p=_weights([i.weight for i in INDUSTRIES]))
    country = rng.choice(len(COUNTRIES), size=n, p=_weights([c[1] for c in COUNTRIES]))
    employees = np.clip(
        np.rint(rng.lognormal(np.log(MEDIAN_EMPLOYEES), 1.5, size=n)), 1, MAX_EMPLOYEES
    ).astype(np.int64)

    def attr(field: str) -> np.ndarray:
        return np.array([getattr(i, field) for i in INDUSTRIES], dtype=float)[industry]

    rev_per_emp = REVENUE_PER_EMPLOYEE * attr("revenue_per_employee")
    rev_per_emp = rev_per_emp * rng.lognormal(0.0, 0.35, size=n)
    annual_revenue = (np.rint(employees * rev_per_emp / 1000.0) * 1000).astype(np.int64)
    ad_spend = annual_revenue * attr("ad_share") * rng.lognormal(0.0, 0.6, size=n) / 12.0
    ad_spend = (np.rint(ad_spend / 10.0) * 10).astype(np.int64)
    visits = 40.0 * employees**0.85 * attr("visits") * rng.lognormal(0.0, 0.7, size=n)
    monthly_visits = np.maximum(np.rint(visits), 50).astype(np.int64)

    dept_names = ("marketing", "sales", "engineering", "it")
    shares = np.stack([attr(d) * rng.lognormal(0.0, 0.3, size=n) for d in dept_names])
    shares = shares / np.maximum(1.0, shares.sum(axis=0) / 0.9)  # the four fit in the company
    depts = {d: np.floor(employees * shares[k]).astype(np.int64) for k, d in enumerate(dept_names)}

    domains, names = _names(rng, industry, country)
    return AccountTable(
        domain=domains,
        name=names,
        industry=industry,
        employees=employees,
        annual_revenue=annual_revenue,
        country=country,
        technologies=_technologies(rng, industry, employees),
        monthly_visits=monthly_visits,
        ad_spend=ad_spend,
        dept_marketing=depts["marketing"],
        dept_sales=depts["sales"],
        dept_engineering=depts["engineering"],
        dept_it=depts["it"],
    )
