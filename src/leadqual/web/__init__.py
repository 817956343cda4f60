"""The dashboard: server-rendered pages over the same services as the CLI and the API.

``mount_dashboard(app)`` adds the pages under ``/app`` (and ``/`` → ``/app/``), the static files
under ``/app/static`` and HTML error pages for the dashboard's paths; ``create_app`` calls it.

>>> # app = create_app(store); the dashboard is then at http://HOST:PORT/app/
"""

from __future__ import annotations

from leadqual.web.mount import mount_dashboard

__all__ = ["mount_dashboard"]
