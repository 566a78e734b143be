"""Site health: the 国办 website-inspection facts — reachability, stale and blank columns, dead links."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from auditor.harvest.canonical import canonical_url
from auditor.scoring.checks import CheckResult
from auditor.scoring.context import AuditContext, FindingDraft
from auditor.store.models import Attachment, Item, ItemListing


def _unit(unit_id: str | None) -> str | None:
    return None if unit_id is None or unit_id.startswith("site:") else unit_id


def _item_context(ctx: AuditContext, url: str) -> tuple[Item | None, str | None]:
    """The item at url and the unit whose channel listed it."""
    item = ctx.session.scalar(select(Item).where(Item.canonical_url == canonical_url(url)))
    if item is None:
        return None, None
    listing = ctx.session.scalar(select(ItemListing).where(ItemListing.item_id == item.id))
    return item, _unit(listing.channel.unit_id) if listing else None


def check_site_health(ctx: AuditContext) -> CheckResult:
    res = CheckResult()
    rules = ctx.scheme.checks.site_health
    crawl = ctx.latest_crawl
    if crawl is None:
        return res
    down: set[str] = set()
    for site_id, probes in ctx.probes.items():
        site = ctx.sites.get(site_id)
        owner = site.owner_unit_id if site else None
        if probes and not any(p.ok for p in probes):
            down.add(site_id)
            res.findings.append(FindingDraft(
                check="site_health", rule="site_unreachable", status="defect", severity="veto", unit_id=owner,
                site_id=site_id, title=f"站点无法访问：{site.name if site else site_id}",
                evidence={"probes": [{"url": p.url, "error": p.error, "http_status": p.http_status,
                                      "elapsed_ms": p.elapsed_ms, "at": p.probed_at.isoformat()} for p in probes]},
                fix="恢复站点访问（国办检查：累计15秒以上打不开的次数占比≥5%即单项否决）。",
                key=f"site_unreachable|{site_id}"))
            continue
        latest = max((p.home_latest_date for p in probes if p.home_latest_date), default=None)
        if latest is None or latest < ctx.as_of - timedelta(days=rules.home_stale_days):
            res.findings.append(FindingDraft(
                check="site_health", rule="home_stale", status="defect", severity="veto", unit_id=owner,
                site_id=site_id, title=f"首页超过{rules.home_stale_days}天未更新：{site.name if site else site_id}",
                evidence={"home": probes[0].url, "latest_date": latest.isoformat() if latest else None},
                fix="首页及时更新动态信息。", key=f"home_stale|{site_id}"))
    for unit_id, channels in ctx.channels.items():
        for ch in channels:
            if ch.code != "WEBSITE" or ch.site_id in down:
                continue
            rows = [h for h in ctx.health.get(ch.id, []) if h.crawl_run_id == crawl.id]
            if not rows or rows[0].status != "ok":
                continue
            h = rows[0]
            base = {"column": ch.name, "url": ch.url, "path": ch.column_path, "entries": h.entries,
                    "latest_date": h.latest_date.isoformat() if h.latest_date else None}
            unit = _unit(unit_id)
            if h.entries == 0:
                res.findings.append(FindingDraft(
                    check="site_health", rule="blank_column", status="defect", unit_id=unit, site_id=ch.site_id,
                    title=f"空白栏目：{ch.column_path or ch.name}", evidence=base,
                    fix="栏目自开设以来无内容：补充内容或撤并栏目。", key=f"blank_column|{ch.url}"))
                continue
            limit = {"news": rules.news_stale_days, "notice": rules.notice_stale_days}.get(ch.column_kind)
            if limit is None:
                continue
            if h.latest_date is None or h.latest_date < ctx.as_of - timedelta(days=limit):
                res.findings.append(FindingDraft(
                    check="site_health", rule="stale_column", status="defect", unit_id=unit, site_id=ch.site_id,
                    title=f"栏目超过{limit}天未更新：{ch.column_path or ch.name}", evidence=base | {"limit_days": limit},
                    fix="按国办检查指标及时更新（动态要闻类2周、通知公告政策文件类6个月）。",
                    key=f"stale_column|{ch.url}"))
    dead = set(rules.dead_link_statuses)
    for link in ctx.links:
        if link.ok or link.http_status not in dead:
            continue
        site = ctx.sites.get(link.site_id or "")
        owner = site.owner_unit_id if site else None
        if link.kind == "detail":
            item, unit = _item_context(ctx, link.url)
            unit = unit or owner
            title = item.list_title if item else link.url
            res.findings.append(FindingDraft(
                check="site_health", rule="dead_link", status="defect", unit_id=unit, site_id=link.site_id,
                title=f"链接失效（HTTP {link.http_status}）：{title}",
                evidence={"url": link.url, "referrer": link.referrer, "http_status": link.http_status, "title": title},
                fix="修复或删除失效链接。", key=f"dead_link|{link.url}"))
        else:
            item, unit = _item_context(ctx, link.referrer or "")
            unit = unit or owner
            att = ctx.session.scalar(select(Attachment).where(Attachment.url == link.url)) if item else None
            name = att.name if att else link.url
            res.findings.append(FindingDraft(
                check="site_health", rule="missing_attachment", status="defect", unit_id=unit, site_id=link.site_id,
                title=f"附件无法下载（HTTP {link.http_status}）：{name}",
                evidence={"url": link.url, "page": link.referrer, "http_status": link.http_status,
                          "attachment": name, "title": item.title if item else None},
                fix="重新上传附件。", key=f"missing_attachment|{link.url}"))
    return res
