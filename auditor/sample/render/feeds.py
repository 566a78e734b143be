"""政务新媒体 accounts exported as feeds (JSON or RSS 2.0) plus one small page per post.

Feed URLs are absolute when a base URL is given (the server knows its port only after binding),
else root-relative; readers resolve them against the feed URL either way.
"""

from __future__ import annotations

import json
from email.utils import format_datetime

from auditor.sample.plan import PlanFeed, PlanItem, PlanSite

from .common import EPOCH, Page, body_html, esc, html_page, item_moment, not_found_page, pub_stamp, shows_date, url_path

_UTF8_SITE = PlanSite(key="feeds", name="政务新媒体", style="feed")


def feed_path(feed: PlanFeed) -> str:
    return url_path("feeds", f"{feed.key}.{'json' if feed.format == 'json' else 'xml'}")


def post_path(feed: PlanFeed, item: PlanItem) -> str:
    return url_path("feeds", feed.key, f"{item.uid}.html")


def _summary(item: PlanItem) -> str:
    text = " ".join(item.body.split())
    return text[:80] + ("…" if len(text) > 80 else "")


def _post_page(feed: PlanFeed, item: PlanItem) -> Page:
    if item.dead:
        return not_found_page(_UTF8_SITE)
    when = f'<div class="info">发布时间：{pub_stamp(item)}</div>' if shows_date(item) else ""
    text = ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{esc(item.title)}</title>"
            f'<meta name="ArticleTitle" content="{esc(item.title)}">'
            + (f'<meta name="PubDate" content="{pub_stamp(item)}">' if shows_date(item) else "")
            + f'</head><body><div class="account">{esc(feed.name)}</div>'
            f"<h1>{esc(item.title)}</h1>{when}<div id=\"zoom\">{body_html(item.body)}</div>"
            "</body></html>\n")
    return html_page(_UTF8_SITE, text, item_moment(item))


def _json(feed: PlanFeed, base_url: str) -> bytes:
    items = [{"title": i.title, "url": base_url + post_path(feed, i),
              "pub_date": pub_stamp(i) if shows_date(i) else None, "summary": _summary(i)}
             for i in feed.items]
    doc = {"account": feed.name, "items": items}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def _rss(feed: PlanFeed, base_url: str) -> bytes:
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0">\n<channel>\n',
             f"<title>{esc(feed.name)}</title>\n<link>{esc(base_url + feed_path(feed))}</link>\n",
             f"<description>{esc(feed.name)}</description>\n<language>zh-cn</language>\n"]
    for item in feed.items:
        link = esc(base_url + post_path(feed, item))
        date = (f"<pubDate>{format_datetime(item_moment(item))}</pubDate>"
                if shows_date(item) else "")
        parts.append(f"<item><title>{esc(item.title)}</title><link>{link}</link>"
                     f'<guid isPermaLink="true">{link}</guid>{date}'
                     f"<description>{esc(_summary(item))}</description></item>\n")
    parts.append("</channel>\n</rss>\n")
    return "".join(parts).encode("utf-8")


def render_feed(feed: PlanFeed, base_url: str = "") -> tuple[dict[str, Page], str]:
    """(pages by path, path of the feed document)."""
    path = feed_path(feed)
    moment = max((item_moment(i) for i in feed.items), default=EPOCH)
    if feed.format == "json":
        doc = Page(200, "application/json; charset=utf-8", _json(feed, base_url), moment)
    else:
        doc = Page(200, "application/rss+xml; charset=utf-8", _rss(feed, base_url), moment)
    pages = {path: doc}
    for item in feed.items:
        pages[post_path(feed, item)] = _post_page(feed, item)
    return pages, path
