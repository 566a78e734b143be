"""`auditor catalog …` sub-commands."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from auditor.catalog import cli


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="cmd"))
    args = parser.parse_args(["catalog", *argv])
    return args.func(args)


def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["validate"]) == 0
    assert "OK" in capsys.readouterr().out


def test_validate_bad_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.yaml").write_text("domain: [\n", encoding="utf-8")
    assert _run(["--dir", str(tmp_path), "validate"]) == 1
    assert "x.yaml:line" in capsys.readouterr().err


def test_deadline_with_due_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["deadline", "信息形成或者变更之日起20个工作日内", "--from", "2026-02-09"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["due"] == {"date": "2026-03-13", "fallback_used": False}


def test_show_and_stats(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["show", "caizheng_yujuesuan.bmys"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["deadline"]["anchor"] == "finance_reply"
    assert _run(["stats"]) == 0
    assert "财政预决算" in capsys.readouterr().out
    assert _run(["show", "nope.nope"]) == 1
