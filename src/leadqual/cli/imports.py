"""CLI commands: imports (filled in by its owner)."""
