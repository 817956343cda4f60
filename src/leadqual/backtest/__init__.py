"""Backtests: replay history month by month under a contract, in memory, and report what it would
have done (``replay`` → ``outcomes`` → ``metrics``; ``compare`` for ``--vs``; ``tradeoff`` and
``chart`` for one threshold varied). The store-facing entry points are in
``leadqual.services.backtest``; see docs/backtest.md.
"""
