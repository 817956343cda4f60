"""Synthetic accounts: unique realistic domains and correlated, plausible firmographics."""

from __future__ import annotations

import re

import numpy as np

from leadqual.simulate.firmographics import MAX_EMPLOYEES, generate_accounts
from leadqual.simulate.vocabulary import INDUSTRIES, PLATFORMS, TECHNOLOGIES

DOMAIN = re.compile(r"^[a-z]+(-[a-z]+)?\d*\.[a-z]{2,3}(\.[a-z]{2})?$")


def test_domains_are_unique_and_look_real_even_for_many_accounts() -> None:
    accounts = generate_accounts(np.random.default_rng(11), 20_000)
    assert len(set(accounts.domain)) == 20_000
    assert all(DOMAIN.match(d) for d in accounts.domain)
    assert all(name and name[0].isupper() for name in accounts.name)


def test_size_drives_revenue_visits_and_departments() -> None:
    a = generate_accounts(np.random.default_rng(5), 5_000)
    assert 90 <= np.median(a.employees) <= 160
    assert a.employees.min() >= 1 and a.employees.max() <= MAX_EMPLOYEES
    log_emp = np.log(a.employees)
    assert np.corrcoef(log_emp, np.log(a.annual_revenue))[0, 1] > 0.8
    assert np.corrcoef(log_emp, np.log(a.monthly_visits))[0, 1] > 0.5
    per_employee = np.median(a.annual_revenue / a.employees)
    assert 120_000 <= per_employee <= 300_000
    depts = a.dept_marketing + a.dept_sales + a.dept_engineering + a.dept_it
    assert (depts <= a.employees).all()
    assert (a.ad_spend >= 0).all()


def test_e_commerce_platforms_belong_to_shops_and_retailers() -> None:
    a = generate_accounts(np.random.default_rng(2), 5_000)
    platform_cols = [TECHNOLOGIES.index(p) for p in PLATFORMS]
    has_platform = a.technologies[:, platform_cols].any(axis=1)
    shops = np.isin(a.industry_names(), ["retail", "ecommerce"])
    assert has_platform[shops].mean() > 0.6
    assert has_platform[~shops].mean() < 0.1
    assert (a.technologies[:, platform_cols].sum(axis=1) <= 1).all()


def test_industries_are_skewed_and_all_present() -> None:
    a = generate_accounts(np.random.default_rng(9), 5_000)
    counts = np.bincount(a.industry, minlength=len(INDUSTRIES))
    assert (counts > 0).all()
    assert counts.max() > 5 * counts.min()
