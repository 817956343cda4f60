"""Kept for ``bench/dashboard.py`` only: the funnel by month now lives in
``services.leads.monthly_funnel``, which the funnel page calls. Remove once the bench moves."""

from __future__ import annotations

from leadqual.services.leads import PeriodFunnel, monthly_funnel
from leadqual.store.database import Store

__all__ = ["funnel_by_month"]


def funnel_by_month(store: Store, *, months: int = 12) -> PeriodFunnel:
    """``monthly_funnel(store, periods=months)``."""
    return monthly_funnel(store, periods=months)
