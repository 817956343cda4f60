"""Ingest: reading CSV/JSONL imports (canonical, HubSpot, Salesforce or a mapping file), validating
them row by row and writing them to the store with the lead rules. ``leadqual.services.imports``
is the entry point; these modules are its steps."""
