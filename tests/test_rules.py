"""Rule files: the shipped schemes load, bad files end in one clear error (file, line, key), and
rules/README.md documents every key of the models."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from auditor.errors import RulesError
from auditor.scheme import (
    ALL_RULES,
    CHECK_DIMENSION,
    RULES_BY_CHECK,
    DeductionScoring,
    Scheme,
    WeightedScoring,
    load_scheme,
    rules_dir,
    shipped_schemes,
)
from auditor.scoring.engine import CHECKS

GOOD = """\
name: t
title: t
version: 1
scoring:
  method: weighted
  weights: {completeness: 1}
grades: [{min: 0, label: 合格}]
"""


def test_shipped_schemes():
    assert shipped_schemes() == ["default", "guoban"]
    default, guoban = load_scheme("default"), load_scheme("guoban")
    assert isinstance(default.scoring, WeightedScoring) and isinstance(guoban.scoring, DeductionScoring)
    assert sum(i.max_points for i in guoban.scoring.indicators.values()) == 100
    assert (guoban.scoring.fail_below, guoban.scoring.bonus_above, guoban.scoring.bonus_cap) == (60, 80, 20)
    assert {"site_unreachable", "home_stale", "stale_columns_veto", "long_stale_veto",
            "blank_columns_veto"} == set(guoban.scoring.veto)
    # both shipped schemes run the same rule set, so the sample's ground truth holds under each
    assert default.checks == guoban.checks
    assert default.matching == guoban.matching


def test_check_vocabulary_is_fixed():
    assert set(CHECKS) == set(CHECK_DIMENSION) == set(RULES_BY_CHECK)
    assert set(Scheme.model_fields["checks"].annotation.model_fields) == set(CHECK_DIMENSION)


@pytest.mark.parametrize(
    "edit, line, key, message",
    [
        (("version: 1", "version: 1\nbogus: 1"), 4, "bogus", "Extra inputs are not permitted"),
        (("grades:", "checks:\n  periodic: {lookback_periods: 2, be_lenient: true}\ngrades:"), 8,
         "checks.periodic.be_lenient", "Extra inputs are not permitted"),
        (("grades:", "checks:\n  colour: {}\ngrades:"), 8, "checks.colour", "Extra inputs are not permitted"),
        (("grades:", "checks:\n  site_health: {unreachable_share: 2}\ngrades:"), 8,
         "checks.site_health.unreachable_share", "less than or equal to 1"),
        (("method: weighted", "method: fancy"), 4, "scoring", "'weighted', 'deductions'"),
        (("weights: {completeness: 1}", "weights: {completeness: 1}\n  site_health_points: {typo_rule: 3}"), 7,
         "scoring.site_health_points", "unknown rule(s) ['typo_rule']"),
        (("weights: {completeness: 1}", "weights: {beauty: 1}"), 6, "scoring.weights.beauty", "Input should be"),
        (("scoring:\n  method: weighted\n  weights: {completeness: 1}",
          "scoring:\n  method: deductions\n  indicators:\n    completeness: {label: a, max_points: 50, deductions: {missing: 1}}"),
         4, "scoring", "add up to 100"),
    ],
)
def test_bad_rule_files_name_file_line_and_key(tmp_path, edit, line, key, message):
    old, new = edit
    assert old in GOOD
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulesError) as exc:
        load_scheme(str(path))
    text = str(exc.value)
    assert re.search(rf"{re.escape(str(path))}:{line}: {re.escape(key)}", text), text
    assert message in text
    assert "rules/README.md" in text


def test_good_minimal_file_loads(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(GOOD, encoding="utf-8")
    s = load_scheme(str(path))
    assert s.version == "1" and s.checks.completeness.healthy_runs == 1 and s.grade(50) == "合格"


def test_unit_catalog_paths_resolve_against_the_rules_file(tmp_path):
    path = tmp_path / "conf.yaml"
    path.write_text(GOOD + "checks:\n  conformity: {enabled: true, unit_catalogs: {mzj: cat/mzj.xlsx}}\n",
                    encoding="utf-8")
    s = load_scheme(str(path))
    assert s.checks.conformity.unit_catalogs == {"mzj": str((tmp_path / "cat/mzj.xlsx").resolve())}


def _keys(model: type[BaseModel], seen: set) -> set[str]:
    out: set[str] = set()
    if model in seen:
        return out
    seen.add(model)
    for name, field in model.model_fields.items():
        out.add(name)
        for arg in [field.annotation, *typing.get_args(field.annotation)]:
            for sub in [arg, *typing.get_args(arg)]:
                if isinstance(sub, type) and issubclass(sub, BaseModel):
                    out |= _keys(sub, seen)
    return out


def test_readme_documents_every_key_and_rule():
    readme = (rules_dir() / "README.md").read_text(encoding="utf-8")
    keys = _keys(Scheme, set()) | _keys(WeightedScoring, set()) | _keys(DeductionScoring, set())
    undocumented = sorted(k for k in keys if f"`{k}`" not in readme)
    assert undocumented == []
    assert sorted(r for r in ALL_RULES if f"`{r}`" not in readme) == []
    assert Path(rules_dir() / "default.yaml").is_file()


@pytest.mark.parametrize(
    "argv_tail, code, out_text",
    [
        ([], 0, "ok\tguoban"),
        (["default"], 0, "ok\tdefault"),
        (["BAD"], 1, "bogus: Extra inputs are not permitted"),
        (["nosuch"], 1, "unknown scoring scheme 'nosuch'"),
    ],
)
def test_rules_validate_cli(tmp_path, capsys, argv_tail, code, out_text):
    from auditor.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("version: 1", "version: 1\nbogus: 1"), encoding="utf-8")
    argv = ["rules", "validate", *[str(bad) if a == "BAD" else a for a in argv_tail]]
    assert main(argv) == code
    captured = capsys.readouterr()
    assert out_text in captured.out + captured.err
