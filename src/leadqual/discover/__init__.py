"""Criteria discovery: derive MQL fit criteria from the leads that became customers.

``discover_table`` works on an in-memory table; ``leadqual.services.discovery.discover`` builds
that table from the store. See docs/discovery.md.
"""

from __future__ import annotations

from leadqual.discover.conditions import Condition, render_rule
from leadqual.discover.report import DiscoveryReport, discover_table

__all__ = ["Condition", "DiscoveryReport", "discover_table", "render_rule"]
