"""The per-lead feature table: one row per lead as of a point in time."""
