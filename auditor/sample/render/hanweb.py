"""Hanweb (大汉) numbering shared by the ajax_xml and col_art styles.

Column pages are `/col/col<N>/index.html`, details `/art/YYYY/M/D/art_<N>_<M>.html`; N is a
stable number per column key, M per item uid (bumped on the rare collision).
"""

from __future__ import annotations

from auditor.sample.plan import PlanColumn, PlanItem, PlanSite

from .common import item_day, stable_int


def column_numbers(site: PlanSite) -> dict[str, int]:
    numbers: dict[str, int] = {}
    used: set[int] = set()
    for column in site.columns:
        n = 10_000 + stable_int("col", column.key, mod=90_000)
        while n in used:
            n += 1
        used.add(n)
        numbers[column.key] = n
    return numbers


def unit_ids(site: PlanSite) -> tuple[int, int]:
    """(webid, unitid) of the site, as Hanweb puts them into every dataproxy request."""
    return 1 + stable_int("web", site.key, mod=90), 7 + stable_int("unit", site.key, mod=90_000)


def column_path(number: int) -> str:
    return f"/col/col{number}/index.html"


def detail_path_for(numbers: dict[str, int]):
    def detail_path(column: PlanColumn, item: PlanItem, bump: int) -> str:
        day = item_day(item)
        m = 1_000_000 + stable_int("art", item.uid, mod=9_000_000) + bump
        return f"/art/{day.year}/{day.month}/{day.day}/art_{numbers[column.key]}_{m}.html"
    return detail_path
