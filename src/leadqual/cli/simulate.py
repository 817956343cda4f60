"""CLI commands: simulate (filled in by its owner)."""
