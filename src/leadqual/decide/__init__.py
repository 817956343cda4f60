"""Decisions: the contract's rules turned into fit, stage and reasons over the feature table."""
