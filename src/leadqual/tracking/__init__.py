"""Website tracking: the tracker script (``t.js``), the ``/collect`` payload, the collector."""
