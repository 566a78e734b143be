"""Where the catalog data lives: one rule shared by the loader, the channel map and the calendar."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "AUDITOR_CATALOG_DIR"


def catalog_dir() -> Path:
    """The catalogs/ directory: $AUDITOR_CATALOG_DIR if set, else the one next to the package."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "catalogs"


def default_catalog_dir() -> Path:
    """The repository's own catalogs/ directory, ignoring the environment."""
    return Path(__file__).resolve().parents[2] / "catalogs"


def data_file(name: str) -> Path:
    """A shared data file (channels.yaml, holidays.yaml): the override dir first, then the repo's.

    A custom $AUDITOR_CATALOG_DIR often holds only domain files; the synonym map and the holiday
    calendar are not per-catalog, so they fall back to the repository copy.
    """
    own = catalog_dir() / name
    return own if own.exists() else default_catalog_dir() / name
