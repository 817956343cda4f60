"""Use cases, one module each: what the CLI, the API and the dashboard call."""
