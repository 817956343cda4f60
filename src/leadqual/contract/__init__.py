"""The qualification contract: its model, its condition language and its loader.

>>> from leadqual.contract import load_contract, starter_contract_text
>>> load_contract(starter_contract_text()).stages.mql.source
'fit >= 40 and intent >= 30'
"""

from __future__ import annotations

from leadqual.contract.expression import FUNCTIONS, Expression, ExpressionError, parse_expression
from leadqual.contract.loader import load_contract, load_contract_file, starter_contract_text
from leadqual.contract.model import (
    Contract,
    Criterion,
    Intent,
    Recycle,
    Signal,
    StageRules,
)

__all__ = [
    "FUNCTIONS",
    "Contract",
    "Criterion",
    "Expression",
    "ExpressionError",
    "Intent",
    "Recycle",
    "Signal",
    "StageRules",
    "load_contract",
    "load_contract_file",
    "parse_expression",
    "starter_contract_text",
]
