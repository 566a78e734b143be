"""The store on a real PostgreSQL server: Alembic from empty and from the previous revision, and a crawl +
audit whose results match the same crawl + audit into SQLite.

Runs only when AUDITOR_TEST_PG_URL names a server, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``. The role needs CREATEDB: every test
works in a database of its own, created and dropped here, so the named database is never touched.
"""

from __future__ import annotations

import os
import sys
import uuid
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("AUDITOR_TEST_PG_URL")
pytestmark = pytest.mark.skipif(not PG_URL, reason="AUDITOR_TEST_PG_URL is not set (a PostgreSQL server URL "
                                                   "whose role may CREATE DATABASE); see docs/deployment.md")

OPS_TABLES = {"ops_runs", "ops_locks", "ops_notifications"}


@pytest.fixture
def pg_db():
    """A fresh, empty database on the server; dropped afterwards."""
    base = make_url(PG_URL)
    name = f"auditor_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _alembic(engine):
    from alembic.config import Config

    from auditor.store.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection_engine"] = engine
    return cfg


def test_upgrade_from_empty_creates_every_table(pg_db):
    from auditor.store.db import make_engine, upgrade
    from auditor.store.models import Base

    engine = make_engine(pg_db)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with engine.connect() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    from alembic.script import ScriptDirectory

    assert head == ScriptDirectory.from_config(_alembic(engine)).get_current_head()
    engine.dispose()


def test_upgrade_from_the_previous_revision_and_back(pg_db):
    from alembic import command

    from auditor.store.db import make_engine

    engine = make_engine(pg_db)
    cfg = _alembic(engine)
    command.upgrade(cfg, "0004")
    assert not OPS_TABLES & set(inspect(engine).get_table_names())
    command.upgrade(cfg, "0005")
    assert OPS_TABLES <= set(inspect(engine).get_table_names())
    command.downgrade(cfg, "0004")
    assert not OPS_TABLES & set(inspect(engine).get_table_names())
    command.upgrade(cfg, "head")
    assert OPS_TABLES <= set(inspect(engine).get_table_names())
    engine.dispose()


def _snapshot(factory, crawl_id: int, audit_id: int) -> dict:
    from auditor.store.models import Channel, ColumnHealth, Finding, Item, LinkCheck, Score, SiteProbe

    with factory() as s:
        return {
            "items": sorted((i.canonical_url, i.title, i.list_title, i.publish_date, i.written_date, i.index_no,
                             i.body_hash, len(i.attachments), len(i.listings)) for i in s.scalars(select(Item))),
            "health": sorted((c.url, c.unit_id, h.status, h.entries, h.pages) for h, c in s.execute(
                select(ColumnHealth, Channel).join(Channel, Channel.id == ColumnHealth.channel_id)
                .where(ColumnHealth.crawl_run_id == crawl_id))),
            "links": sorted((lc.kind, lc.url, lc.ok, lc.http_status) for lc in s.scalars(
                select(LinkCheck).where(LinkCheck.crawl_run_id == crawl_id))),
            "probes": sorted((p.site_id, p.ok) for p in s.scalars(select(SiteProbe))),
            "findings": sorted((f.rule, f.status, f.unit_id or "", f.entry_id or "", f.key, round(f.points, 3))
                               for f in s.scalars(select(Finding).where(Finding.audit_run_id == audit_id))),
            "scores": sorted((sc.unit_id, sc.domain or "", sc.dimension or "", sc.score, sc.rank or 0)
                             for sc in s.scalars(select(Score).where(Score.audit_run_id == audit_id))),
        }


def test_crawl_and_audit_into_postgres_match_sqlite(pg_db, tmp_path):
    sys.path.insert(0, str(Path(__file__).parent))
    from auditor.catalog.loader import load_catalog
    from auditor.catalog.workdays import WorkingCalendar
    from auditor.sample.server import SamplePortal
    from auditor.scheme import load_scheme
    from auditor.scoring.engine import run_audit
    from auditor.stages import crawl, load_registry_for
    from auditor.store.db import open_db, resolve_db_url
    from factories.crawl import crawl_plan, crawl_registry

    catalog, cal, scheme = load_catalog(), WorkingCalendar(), load_scheme("default")
    plan = crawl_plan("col_art", "gbk")
    snapshots = {}
    with SamplePortal(plan) as portal:  # one portal: both databases see the very same URLs
        path = tmp_path / "registry.yaml"
        path.write_text(yaml.safe_dump(crawl_registry(portal, plan), allow_unicode=True), encoding="utf-8")
        registry = load_registry_for(path, catalog)
        for name, url in (("sqlite", resolve_db_url(str(tmp_path / "a.db"))), ("postgresql", pg_db)):
            factory = open_db(url)
            assert factory.kw["bind"].dialect.name == name
            crawl(factory, url, registry, str(path))
            crawl_id = crawl(factory, url, registry, str(path))  # the re-crawl path (upserts) too
            with factory() as session:
                audit_id = run_audit(session, catalog, scheme, cal, date(2026, 6, 30))
            snapshots[name] = _snapshot(factory, crawl_id, audit_id)
            factory.kw["bind"].dispose()
    sq, pg = snapshots["sqlite"], snapshots["postgresql"]
    assert len(sq["items"]) == 40 and sq["findings"], "the small sample must produce items and findings"
    for part in sq:
        assert pg[part] == sq[part], part


def test_locks_and_run_history_on_postgres(pg_db):
    from auditor.ops.locks import LockBusy, acquire
    from auditor.store.db import open_db

    factory = open_db(pg_db)
    lease = acquire(factory, "crawl:/srv/registry.yaml")
    with pytest.raises(LockBusy):
        acquire(factory, "crawl:/srv/registry.yaml")
    lease.release()
    acquire(factory, "crawl:/srv/registry.yaml").release()
    factory.kw["bind"].dispose()
