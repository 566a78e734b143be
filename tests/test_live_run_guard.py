"""A run a live process still works on is never recovered or resumed under its feet (issue 15, part 4)."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import datetime

from sqlalchemy import select

from auditor.ops.recovery import recover_interrupted
from auditor.store.db import open_db, resolve_db_url
from auditor.store.models import CrawlRun


def _cli(argv: list[str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor.cli", *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def test_recover_and_resume_refuse_while_a_crawler_lives(tmp_path):
    db = resolve_db_url(str(tmp_path / "a.db"))
    factory = open_db(db)
    crawler = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # stands for a crawler child
    try:
        with factory() as s:
            s.add(CrawlRun(started_at=datetime(2026, 12, 1), status="running", registry_path="r.yaml",
                           stats={"pid": 999999, "host": socket.gethostname(), "child_pids": [crawler.pid]}))
            s.commit()
        report = recover_interrupted(factory, registry_path="r.yaml", held_lock=True)
        assert report.crawl_runs == []  # even under the registry's lock and past the stale limit
        proc = _cli(["--db", db, "resume-crawl", "1"], tmp_path)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        assert f"crawl run 1 is still being crawled by process {crawler.pid}" in proc.stderr
        with factory() as s:
            assert s.get(CrawlRun, 1).status == "running"
    finally:
        crawler.kill()
        crawler.wait()
    report = recover_interrupted(factory, registry_path="r.yaml", held_lock=True)
    assert report.crawl_runs == [1]
    with factory() as s:
        assert [r.status for r in s.scalars(select(CrawlRun))] == ["interrupted"]
