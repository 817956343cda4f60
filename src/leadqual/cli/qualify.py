"""CLI commands: qualify (filled in by its owner)."""
