"""Tables of the web stage (declared on the shared Base; added by their own Alembic revision)."""

from __future__ import annotations

from auditor.store.models import Base  # noqa: F401 - tables of this area subclass it
