"""Compose contracts: a base contract with another fit section (e.g. the one discovery proposes).

The result is contract text, validated like any other before it is used.
"""

from __future__ import annotations

from typing import Any

import yaml

from leadqual.contract.loader import load_contract
from leadqual.errors import InvalidInput

__all__ = ["with_fit"]


def with_fit(base_text: str, fit_snippet: str, *, name: str, description: str = "") -> str:
    """``base_text`` with its ``fit`` section replaced by the one in ``fit_snippet`` (YAML with a
    top-level ``fit:`` list), renamed ``name``. Raises ``ContractError`` if the result is invalid.

    >>> from leadqual.contract import starter_contract_text
    >>> text = with_fit(starter_contract_text(), "fit:\\n- {name: big, when: employees >= 500, "
    ...                 "points: 40}", name="Big only")
    >>> load_contract(text).fit[0].when.source
    'employees >= 500'
    """
    base: dict[str, Any] = yaml.safe_load(base_text)
    snippet = yaml.safe_load(fit_snippet) or {}
    if not isinstance(snippet, dict) or not isinstance(snippet.get("fit"), list):
        raise InvalidInput("the fit snippet must be YAML with a top-level `fit:` list of criteria")
    composed = {**base, "name": name, "fit": snippet["fit"]}
    if description:
        composed["description"] = description
    text = yaml.safe_dump(composed, sort_keys=False, allow_unicode=True, width=100)
    load_contract(text, source=f"<{name}>")
    return text
