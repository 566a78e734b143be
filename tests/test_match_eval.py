"""The matcher's measured accuracy on the committed gold set, the metric definitions, and `match eval`."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from auditor.catalog.loader import load_catalog
from auditor.cli import main
from auditor.match.evaluate import GOLD, OVERALL, evaluate, load_gold, score


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def report(catalog):
    return evaluate(load_gold(GOLD, catalog), catalog)


def test_gold_set_is_large_varied_and_valid(catalog):
    rows = list(csv.DictReader(GOLD.open(encoding="utf-8")))
    assert len(rows) >= 1000
    domains = {catalog.by_id[r["expected"]].domain for r in rows if r["expected"]}
    assert len(domains) >= 15
    kinds = Counter(r["kind"] for r in rows)
    for kind in ("news", "neighbour", "other_level", "generic"):
        assert kinds[kind] >= 50, kind


def test_matcher_meets_targets_on_gold(report):
    m, b = report.matcher[OVERALL], report.baseline[OVERALL]
    assert m.f1 >= 0.95, (m.precision, m.recall)
    assert m.f1 - b.f1 >= 0.10, (m.f1, b.f1)


@pytest.mark.parametrize("labels, preds, tp, fp, fn", [
    (["a.x"], ["a.x"], 1, 0, 0),            # right entry accepted
    ([None], ["a.x"], 0, 1, 0),             # a negative accepted
    (["a.x"], [None], 0, 0, 1),             # a positive not accepted (review counts as not accepted)
    (["a.x"], ["b.y"], 0, 1, 1),            # a wrong entry is both
    ([None, None], [None, None], 0, 0, 0),  # negatives left alone cost nothing
])
def test_metric_definitions(labels, preds, tp, fp, fn):
    counts = score(labels, preds, {"a.x": "A", "b.y": "B"})[OVERALL]
    assert (counts.tp, counts.fp, counts.fn) == (tp, fp, fn)


def test_wrong_entry_counts_fp_under_predicted_domain_and_fn_under_label_domain():
    counts = score(["a.x"], ["b.y"], {"a.x": "A", "b.y": "B"})
    assert (counts["A"].fn, counts["B"].fp) == (1, 1)


def test_match_eval_cli_last_line(tmp_path, capsys, catalog):
    small = tmp_path / "gold.csv"
    rows = list(csv.DictReader(GOLD.open(encoding="utf-8")))[::25]
    with small.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    assert main(["match", "eval", "--gold", str(small)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    import re

    assert re.fullmatch(r"overall precision=\d\.\d{3} recall=\d\.\d{3} f1=\d\.\d{3} baseline_f1=\d\.\d{3}", last), last


@pytest.mark.parametrize("content, message", [
    ("title,column,unit_level,domains\nx,,区级,\n", "missing column(s) expected"),
    ("title,column,unit_level,domains,expected\nx,,区级,,nope.entry\n", "not in the catalog"),
])
def test_match_eval_cli_bad_gold(tmp_path, capsys, content, message):
    bad = tmp_path / "g.csv"
    bad.write_text(content, encoding="utf-8")
    assert main(["match", "eval", "--gold", str(bad)]) == 1
    err = capsys.readouterr().err
    assert message in err
