"""CLI commands: contract (filled in by its owner)."""
