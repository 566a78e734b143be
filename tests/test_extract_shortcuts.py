"""The extraction shortcuts taken for crawl throughput (issue 17) answer exactly what they replace."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest

from auditor.harvest.canonical import canonical_url
from auditor.harvest.extract.attachments import _joiner
from auditor.harvest.extract.body import _text_len
from auditor.harvest.extract.document import drop_invisible, parse_html

BASES = ["http://a.gov.cn/x/y/z.html", "HTTPS://A.gov.cn:8443/x/y/?q=1#f", "http://u:p@a.gov.cn/x;p?q",
         "http://[::1]:80/a/b", "http://a.gov.cn", "https://a.gov.cn/x/../y/./z", " http://a.gov.cn/\tx/y",
         "ftp://a/b/c", "file:///a/b", "a/b/c", "http:/a/b", "//a.gov.cn/x", "http://a.gov.cn/x/y/z.html?p=1;q"]
HREFS = ["/", "/a/b.pdf", "//b.gov.cn/c.doc", "/../x", "/./a/../b", "/a?b=c.pdf#x", "/\t/evil.com/x", "/a b",
         "/%2e%2e/x", "///x", "/#f", "/?", "/;p", "//", "//?x", "//#f", "/\t/", "/\n/?q", "/\\x", "/a/./../..//b",
         "//h:80", "//h?x", "a.pdf", "../a", "?x", "#y", "http://c/d", ";x", "."]


@pytest.mark.parametrize("base", BASES)
def test_rooted_join_is_urljoin(base: str) -> None:
    join = _joiner(base)
    for href in HREFS * 2:  # the second pass answers from the cache
        assert join(href) == urljoin(base, href), (base, href)


def test_text_len_counts_non_space_characters() -> None:
    root = parse_html("<html><body><div id='d'> a\u3000b\xa0c\u2028d <b>\te f</b>\u200bg\n</div></body></html>")
    div = root.get_element_by_id("d")
    assert _text_len(div) == sum(1 for t in div.itertext() for ch in t if not ch.isspace())


def test_drop_invisible_drops_comments_scripts_and_forms_keeping_tails() -> None:
    root = parse_html("<html><head><title>t</title></head><body><p>a<!-- c -->b<script>x()</script>c"
                      "<select><option>o</option></select>d<?pi x?>e</p></body></html>")
    drop_invisible(root)
    assert root.findtext(".//p") is not None
    assert "".join(root.find(".//p").itertext()) == "abcde"


def test_canonical_url_is_remembered_and_unchanged() -> None:
    url = "HTTP://Example.gov.cn:80/a?utm_source=x&b=2&a=1#frag"
    assert canonical_url(url) == canonical_url(url) == "http://example.gov.cn/a?a=1&b=2"


def test_script_var_matches_are_finditer() -> None:
    import random

    from auditor.harvest.extract.adapters import _SCRIPT_VAR, _script_var_matches

    rng = random.Random(1)
    alphabet = ["pubdate", "pubDate", "fbrq", "=", ":", '"', "'", " ", "2024-01-01", "x", "中", "_", "DocRelTime",
                "releaseTime", "publishtime"]
    cases = ['var pubDate = "2024-03-15 10:00"; xpubdate="2024-01-01 1" ; pubdate:"2023-12-31"', ""]
    cases += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(2000)]
    for text in cases:
        assert [m.span() for m in _script_var_matches(text)] == [m.span() for m in _SCRIPT_VAR.finditer(text)], text
