"""Open the database (SQLite file by default, PostgreSQL by URL) and bring it to the latest schema."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from auditor.errors import StoreError

DEFAULT_DB = "auditor.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def resolve_db_url(db: str | None = None) -> str:
    """`--db` beats `AUDITOR_DB` beats ./auditor.db; a bare path means an SQLite file."""
    value = db or os.environ.get("AUDITOR_DB") or DEFAULT_DB
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for other databases and in-memory SQLite)."""
    if not url.startswith("sqlite:///") or url in ("sqlite:///", "sqlite:///:memory:"):
        return None
    rest = url[len("sqlite:///"):]
    if rest.startswith("file:"):  # sqlite:///file:PATH?mode=ro&uri=true
        rest = rest[len("file:"):].split("?", 1)[0]
    return Path(rest)


def _first_line(exc: BaseException) -> str:
    """The driver's own message: SQLAlchemy's [SQL: …], [parameters: …] and 'Background on this error'
    lines are for developers, not for the person running the command."""
    orig = getattr(exc, "orig", None) or exc
    lines = [ln for ln in str(orig).splitlines() if ln.strip() and not ln.startswith(("[SQL:", "[parameters:"))
             and "Background on this error" not in ln]
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "…"


def describe_db_error(exc: BaseException, db: str | None = None) -> str:
    """One sentence: which database, what went wrong, what to do."""
    url = resolve_db_url(db)
    where = str(sqlite_path(url) or url.split("@")[-1])
    problem = _first_line(exc)
    low = problem.lower()
    if "readonly" in low or "read-only" in low:
        todo = "the database is read-only: make the file and its folder writable, or pass --db with a writable copy"
    elif "locked" in low or "busy" in low:
        todo = "another process holds the database: wait for it to finish and try again"
    elif "no such table" in low or "no such column" in low or "undefinedtable" in low:
        todo = "the database is not an auditor database or is from another version: pass the right --db"
    elif "unable to open" in low or "could not connect" in low or "connection" in low:
        todo = "check the path or URL and that the database server is reachable"
    elif "malformed" in low or "not a database" in low or "disk i/o" in low:
        todo = "the file is damaged or not an SQLite database: restore it from a backup or pass another --db"
    else:
        todo = "check the database and try again"
    return f"database {where}: {problem} — {todo}"


def require_existing_db(db: str | None = None) -> str:
    """The URL of a database that must already hold data: an SQLite file that does not exist is an error
    (opening it would silently create an empty database). Commands that create data (crawl, demo) do not
    call this."""
    url = resolve_db_url(db)
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise StoreError(f"no database at {path}; run `auditor crawl` first or pass --db")
    return url


def open_existing_db(db: str | None = None) -> sessionmaker[Session]:
    """open_db for commands that need existing data (see require_existing_db)."""
    return open_db(require_existing_db(db))


def make_engine(url: str) -> Engine:
    try:
        engine = create_engine(url, future=True)
    except Exception as exc:  # bad URL or missing driver
        raise StoreError(f"cannot open database {url!r}: {_first_line(exc)}",
                         hint="pass --db FILE or a postgresql:// URL") from exc
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

    return engine


def upgrade(engine: Engine) -> None:
    """Run Alembic migrations to head on this engine."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection_engine"] = engine
    try:
        command.upgrade(cfg, "heads")  # areas add migrations on their own branches from one base
    except Exception as exc:
        raise StoreError(f"cannot open or migrate database {engine.url!r}: {_first_line(exc)}",
                         hint="check the path or URL, that the file is writable and that the server is reachable") \
            from exc


def open_db(db: str | None = None, *, migrate: bool = True) -> sessionmaker[Session]:
    """Return a session factory for an up-to-date database."""
    engine = make_engine(resolve_db_url(db))
    if migrate:
        upgrade(engine)
    return sessionmaker(engine, expire_on_commit=False)
