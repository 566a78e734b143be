"""Detail extraction against real government pages with hand-read ground truth.

The fixtures live outside the repository (shared/fixtures/realpages, beside the
checkout) and are read in place.  Every detail page in the manifest is checked
on every field its ground truth gives: title, publish date (the displayed
发布日期, not the URL's migration date), 文号, 索引号, 来源 (kept as `source`), the publisher (an issuing
body, never the website 来源 may name) and 作者.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from auditor.harvest.extract import extract_detail

# tests/ → repository root → its parent, where shared/ sits beside the checkout.
REALPAGES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "realpages"
MANIFEST = REALPAGES / "manifest.json"


def _detail_entries() -> list[dict[str, Any]]:
    if not MANIFEST.exists():
        return []
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return [entry for entry in manifest["files"] if entry["type"] == "detail"]


ENTRIES = _detail_entries()


def test_real_page_fixtures_are_present() -> None:
    """CI has ../shared beside the checkout: a missing fixture folder is a broken setup, not a skip."""
    assert len(ENTRIES) >= 9, f"real-page fixtures not found at {REALPAGES}"


def _extract(entry: dict[str, Any]):  # type: ignore[no-untyped-def]
    return extract_detail((REALPAGES / entry["file"]).read_bytes(), entry["original_url"])


def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return [Path(e["file"]).stem for e in entries]


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_title(entry: dict[str, Any]) -> None:
    assert _extract(entry).title.value == entry["ground_truth"]["title"]


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_publish_date(entry: dict[str, Any]) -> None:
    truth = entry["ground_truth"]["publish_datetime"]
    expected = dt.datetime.strptime(truth, "%Y-%m-%d %H:%M:%S").date() if truth else None
    got = _extract(entry).publish_date
    assert got.value == expected, got
    if expected is not None:
        # The displayed 发布日期 is the publish date; the URL's is a migration date.
        assert got.source == "label"


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_doc_number(entry: dict[str, Any]) -> None:
    truth = entry["ground_truth"]
    got = _extract(entry).doc_no.value
    assert got == truth["doc_number"]
    # Numbers cited in the body belong to other documents.
    for cited in truth.get("doc_numbers_cited_in_body", []):
        if cited != truth["doc_number"]:
            assert got != cited


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_index_number(entry: dict[str, Any]) -> None:
    assert _extract(entry).index_no.value == entry["ground_truth"]["index_number"]


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_source_is_kept_as_source(entry: dict[str, Any]) -> None:
    # 来源 as printed, with its provenance, whatever it names (a body, an internal section or a website).
    got = _extract(entry).source
    assert got.value == entry["ground_truth"]["source_unit_field"]
    if got.value is not None:
        assert got.source == "label" and got.raw and got.raw.startswith("来源")
    assert _extract(entry).to_json()["source"] == got.value


# Publisher as read by hand from each page (the pages' URLs are in the manifest): no page labels a
# 发布机构/发文机关; a signature above the closing date names the issuer, else 来源 when it names an
# issuing body. 商丘市采购网 (a website) and 政府办秘书科 (an internal section, not an issuer) are no publisher.
PUBLISHER = {  # file stem -> (publisher, provenance)
    "henan_zhecheng_xxgk_xxgkml_zfwj_xzfwj_zzb_2018-07-11_6360": (None, None),  # 来源：商丘市采购网
    "henan_zhecheng_xxgk_xxgkml_zfwj_xzfwj_zz_2018-07-12_6821": (None, None),  # 来源：政府办秘书科
    "henan_zhecheng_xxgk_xxgknb_bmnb_2018-07-12_7478": ("柘城县扶贫开发办公室", "signature"),  # 来源：县扶贫办
    "henan_zhecheng_xxgk_xxgkz_2018-06-30_259": (None, None),  # 来源：政府办秘书科
    "henan_zhecheng_xxgk_xxgkml_gsgg_2018-07-11_5859": ("柘城县金融扶贫服务中心", "signature"),
    "henan_zhecheng_xxgk_xxgkml_tjsj_2018-07-26_10271": ("县统计局", "label"),
    "henan_zhecheng_xxgk_zdly_zfcg_2018-07-27_10309": (None, None),  # procurement notice, 来源：商丘市采购网
    "henan_zhecheng_ywdt_xzdt_2018-07-26_10275": ("长江新城街道办事处", "label"),
    "henan_zhecheng_xxgk_xxgkml_zfld2_xz_2018-06-24_2": (None, None),
}


def test_every_real_page_has_a_hand_read_publisher() -> None:
    assert {Path(e["file"]).stem for e in ENTRIES} <= set(PUBLISHER)


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_publisher_is_an_issuing_body_never_a_website(entry: dict[str, Any]) -> None:
    got = _extract(entry).publisher
    assert (got.value, got.source) == PUBLISHER[Path(entry["file"]).stem]


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_author(entry: dict[str, Any]) -> None:
    assert _extract(entry).author.value == entry["ground_truth"]["author"]


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_body_found_for_articles(entry: dict[str, Any]) -> None:
    extract = _extract(entry)
    if entry["ground_truth"]["body_chars"]:
        assert extract.body_length > 0
        assert extract.body_text.source == "page_text"  # a known content container, not a guess
    out = extract.to_json()
    assert out["provenance"]["title"]["source"] is not None
    json.dumps(out, ensure_ascii=False)
