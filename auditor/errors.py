"""One base class for every error a user can cause, so the CLI can print it without a traceback."""

from __future__ import annotations


class AuditorError(Exception):
    """A problem the user can fix: carries where it happened and what to do about it."""

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        parts = []
        if self.where:
            parts.append(f"{self.where}: ")
        parts.append(self.message)
        if self.hint:
            parts.append(f" — {self.hint}")
        return "".join(parts)


class ConfigError(AuditorError):
    """Invalid registry, catalog or rule file."""


class CatalogError(ConfigError):
    """Invalid catalog data or an unparseable 公开时限 phrase."""


class RegistryError(ConfigError):
    """Invalid units registry."""


class RulesError(ConfigError):
    """Invalid rule set or scoring scheme."""


class StoreError(AuditorError):
    """Database cannot be opened or migrated."""


class UnknownUnitError(AuditorError):
    """A unit id that the registry does not contain."""


class ExtractionError(AuditorError):
    """A page that cannot be read at all (empty, not HTML)."""
