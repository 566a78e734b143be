"""Site health: the 国办 website-inspection facts — reachability, stale and blank columns, dead links."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import TYPE_CHECKING

from pydantic import Field
from sqlalchemy import select

from auditor.checks.base import Check, CheckParams, CheckResult, FindingDraft, Message, RuleSpec
from auditor.harvest.canonical import canonical_url
from auditor.store.models import Attachment, Item, ItemListing
from auditor.vocabulary import FindingStatus

if TYPE_CHECKING:
    from auditor.checks.audit_context import AuditContext


def _unit(unit_id: str | None) -> str | None:
    return None if unit_id is None or unit_id.startswith("site:") else unit_id


def _item_context(ctx: AuditContext, url: str) -> tuple[Item | None, str | None]:
    """The item at url and the unit whose channel listed it."""
    item = ctx.session.scalar(select(Item).where(Item.canonical_url == canonical_url(url)))
    if item is None:
        return None, None
    listing = ctx.session.scalar(select(ItemListing).where(ItemListing.item_id == item.id))
    return item, _unit(listing.channel.unit_id) if listing else None


def _blocked(p) -> bool:
    """The crawler was refused (401/403/429, WAF page): that says nothing about the site's availability."""
    return not p.ok and (p.error or "").startswith("blocked")


def _probe_failed(p, slow_ms: float) -> bool:
    return not p.ok or (p.elapsed_ms is not None and p.elapsed_ms >= slow_ms)


def _probe_json(p) -> dict:
    return {"crawl_run": p.crawl_run_id, "url": p.url, "ok": p.ok, "error": p.error, "http_status": p.http_status,
            "elapsed_ms": p.elapsed_ms, "at": p.probed_at.isoformat()}


_RED_LINE_FIX = "逐一更新或撤并所列栏目（国办检查指标：栏目不更新单项否决）。"


class SiteHealth(Check):
    """The 国办 website inspection: reachability, home page, stale and blank columns, dead links, red lines."""

    type = "site_health"
    dimension = "site_health"
    label = "网站健康"
    order = 70
    rules = (RuleSpec("site_unreachable", "站点无法访问"), RuleSpec("site_blocked", "抓取被拒绝（无法核实）"),
             RuleSpec("home_stale", "首页未更新"), RuleSpec("stale_column", "栏目未更新"),
             RuleSpec("blank_column", "空白栏目"), RuleSpec("dead_link", "链接失效"),
             RuleSpec("missing_attachment", "附件无法下载"),
             RuleSpec("stale_columns_veto", "多个栏目不更新（单项否决）"),
             RuleSpec("long_stale_veto", "栏目长期不更新（单项否决）"),
             RuleSpec("blank_columns_veto", "多个空白栏目（单项否决）"))
    messages = {
        "site_unreachable": Message("站点无法访问：{name}（监测期内{failed}/{total}次打不开或超过{slow_s:g}秒）",
                                    "恢复站点访问（国办检查：监测期内超过{slow_s:g}秒仍打不开的次数累计占比"
                                    "≥{share_limit:.0%}即单项否决）。"),
        "site_blocked": Message("抓取被拒绝，无法核实站点状态：{name}", "请站点运维将评估抓取程序加入白名单（不扣分）。"),
        "home_stale": Message("首页超过{days}天未更新：{name}", "首页及时更新动态信息。"),
        "stale_column": Message("栏目超过{days}天未更新：{column}", "按国办检查指标及时更新（动态要闻类2周、通知公告政策文件类6个月）。"),
        "blank_column": Message("空白栏目：{column}", "栏目自开设以来无内容：补充内容或撤并栏目。"),
        "dead_link": Message("链接失效（HTTP {status}）：{title}", "修复或删除失效链接。"),
        "missing_attachment": Message("附件无法下载（HTTP {status}）：{name}", "重新上传附件。"),
        "stale_columns_veto": Message("单项否决：动态要闻、通知公告类栏目未更新{count}个（≥{threshold}个）：{name}",
                                      _RED_LINE_FIX),
        "long_stale_veto": Message("单项否决：应更新栏目长期未更新{count}个（≥{threshold}个）：{name}", _RED_LINE_FIX),
        "blank_columns_veto": Message("单项否决：空白栏目{count}个（≥{threshold}个）：{name}", _RED_LINE_FIX),
    }

    class Params(CheckParams):
        news_stale_days: int = Field(14, ge=1)
        notice_stale_days: int = Field(183, ge=1)
        home_stale_days: int = Field(14, ge=1)
        dead_link_statuses: list[int] = Field(default_factory=lambda: [404, 410])
        monitoring_runs: int = Field(1, ge=1, le=100)  # crawl runs forming the monitoring window
        slow_ms: float = Field(15000, gt=0)  # a probe slower than this counts as "could not open"
        unreachable_share: float = Field(0.05, gt=0, le=1)  # share of failed/slow probes that vetoes
        stale_columns_veto: int = Field(5, ge=1)  # ≥ N stale news/notice columns on one site
        long_stale_veto: int = Field(10, ge=1)  # ≥ N stale columns of any kind on one site
        blank_columns_veto: int = Field(5, ge=1)  # ≥ N blank columns on one site

    def run(self, ctx: AuditContext) -> CheckResult:
        return _run(ctx, self.params(ctx))


SiteHealthRules = SiteHealth.Params  # the name the helpers below annotate with


def _run(ctx: AuditContext, rules: SiteHealthRules) -> CheckResult:
    res = CheckResult()
    crawl = ctx.latest_crawl
    if crawl is None:
        return res
    down = _site_findings(ctx, rules, crawl.id, res)
    stale_by_site, blank_by_site = _column_findings(ctx, rules, crawl.id, down, res)
    _aggregate_vetoes(ctx, res, stale_by_site, blank_by_site)
    _link_findings(ctx, rules, res)
    return res


def _site_findings(ctx: AuditContext, rules: SiteHealthRules, crawl_id: int, res: CheckResult) -> set[str]:
    """Blocked, unreachable and stale-home sites; returns the sites that did not answer at all in the latest
    crawl, whose columns are not judged."""
    down: set[str] = set()  # sites that did not answer at all in the latest crawl: columns not judged
    for site_id, probes in sorted(ctx.probes.items()):
        site = ctx.sites.get(site_id)
        owner = site.owner_unit_id if site else None
        name = site.name if site else site_id
        blocked = [p for p in probes if _blocked(p)]
        probes = [p for p in probes if not _blocked(p)]
        latest = [p for p in probes if p.crawl_run_id == crawl_id]
        if blocked and not latest:
            down.add(site_id)
            res.findings.append(SiteHealth.draft(
                "site_blocked", FindingStatus.UNVERIFIED, {"name": name}, severity="info", unit_id=owner, site_id=site_id,
                evidence={"probes": [_probe_json(p) for p in blocked[:50]], "reason": None},
                key=f"site_blocked|{site_id}"))
            continue
        if latest and not any(p.ok for p in latest):
            down.add(site_id)
        failed = [p for p in probes if _probe_failed(p, rules.slow_ms)]
        share = len(failed) / len(probes) if probes else 0.0
        if probes and share >= rules.unreachable_share:
            fields = {"name": name, "failed": len(failed), "total": len(probes), "slow_s": rules.slow_ms / 1000,
                      "share_limit": rules.unreachable_share}
            res.findings.append(SiteHealth.draft(
                "site_unreachable", FindingStatus.DEFECT, fields, severity="veto", unit_id=owner, site_id=site_id,
                evidence={"probes": [_probe_json(p) for p in probes[:200]], "probes_total": len(probes),
                          "probes_failed": len(failed), "share": round(share, 4),
                          "threshold": rules.unreachable_share, "slow_ms": rules.slow_ms,
                          "monitoring_runs": sorted({p.crawl_run_id for p in probes})},
                key=f"site_unreachable|{site_id}"))
        if site_id in down:
            continue
        home_dates = [p.home_latest_date for p in probes if p.home_latest_date]
        home_latest = max(home_dates, default=None)
        if home_latest is None or home_latest < ctx.as_of - timedelta(days=rules.home_stale_days):
            res.findings.append(SiteHealth.draft(
                "home_stale", FindingStatus.DEFECT, {"name": name, "days": rules.home_stale_days}, severity="veto",
                unit_id=owner, site_id=site_id,
                evidence={"home": probes[0].url, "latest_date": home_latest.isoformat() if home_latest else None,
                          "limit_days": rules.home_stale_days},
                key=f"home_stale|{site_id}"))
    return down


def _column_findings(ctx: AuditContext, rules: SiteHealthRules, crawl_id: int, down: set[str], res: CheckResult,
                     ) -> tuple[dict[str, dict[str, FindingDraft]], dict[str, dict[str, FindingDraft]]]:
    """Blank and stale columns of the sites that answered, one finding per column URL and site; returns them
    by site for the 栏目不更新 red lines."""
    stale_by_site: dict[str, dict[str, FindingDraft]] = defaultdict(dict)
    blank_by_site: dict[str, dict[str, FindingDraft]] = defaultdict(dict)
    for unit_id, channels in sorted(ctx.channels.items()):
        for ch in channels:
            if ch.code != "WEBSITE" or ch.site_id in down:
                continue
            rows = [h for h in ctx.health.get(ch.id, []) if h.crawl_run_id == crawl_id]
            if not rows or rows[0].status != "ok":
                continue
            h = rows[0]
            base = {"column": ch.name, "url": ch.url, "path": ch.column_path, "entries": h.entries,
                    "latest_date": h.latest_date.isoformat() if h.latest_date else None}
            unit = _unit(unit_id)
            site_key = ch.site_id or ""
            if h.entries == 0:
                f = SiteHealth.draft("blank_column", FindingStatus.DEFECT, {"column": ch.column_path or ch.name}, unit_id=unit,
                                     site_id=ch.site_id, evidence=base, key=f"blank_column|{ch.url}")
                if ch.url not in blank_by_site[site_key]:
                    res.findings.append(f)
                    blank_by_site[site_key][ch.url] = f
                continue
            limit = {"news": rules.news_stale_days, "notice": rules.notice_stale_days}.get(ch.column_kind)
            if limit is None:
                continue
            if h.latest_date is None or h.latest_date < ctx.as_of - timedelta(days=limit):
                f = SiteHealth.draft("stale_column", FindingStatus.DEFECT, {"column": ch.column_path or ch.name, "days": limit},
                                     unit_id=unit, site_id=ch.site_id, evidence=base | {"limit_days": limit},
                                     key=f"stale_column|{ch.url}")
                if ch.url not in stale_by_site[site_key]:
                    res.findings.append(f)
                    stale_by_site[site_key][ch.url] = f
    return stale_by_site, blank_by_site


def _link_findings(ctx: AuditContext, rules: SiteHealthRules, res: CheckResult) -> None:
    """Dead detail links and attachments that cannot be downloaded, charged to the unit that listed the page."""
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
            res.findings.append(SiteHealth.draft(
                "dead_link", FindingStatus.DEFECT, {"status": link.http_status, "title": title}, unit_id=unit,
                site_id=link.site_id,
                evidence={"url": link.url, "referrer": link.referrer, "http_status": link.http_status, "title": title},
                key=f"dead_link|{link.url}"))
        else:
            item, unit = _item_context(ctx, link.referrer or "")
            unit = unit or owner
            att = ctx.session.scalar(select(Attachment).where(Attachment.url == link.url)) if item else None
            name = att.name if att else link.url
            res.findings.append(SiteHealth.draft(
                "missing_attachment", FindingStatus.DEFECT, {"status": link.http_status, "name": name}, unit_id=unit,
                site_id=link.site_id,
                evidence={"url": link.url, "page": link.referrer, "http_status": link.http_status,
                          "attachment": name, "title": item.title if item else None},
                key=f"missing_attachment|{link.url}"))


def _aggregate_vetoes(ctx: AuditContext, res: CheckResult, stale: dict[str, dict[str, FindingDraft]],
                      blank: dict[str, dict[str, FindingDraft]]) -> None:
    """The 国办 栏目不更新 red lines, per site, from the per-column findings: ≥ N stale news/notice
    columns, ≥ M stale columns, ≥ K blank columns. Each cites the column findings it counts."""
    rules = ctx.scheme.checks.site_health
    for rule, by_site, threshold in (("stale_columns_veto", stale, rules.stale_columns_veto),
                                     ("long_stale_veto", stale, rules.long_stale_veto),
                                     ("blank_columns_veto", blank, rules.blank_columns_veto)):
        for site_id, columns in sorted(by_site.items()):
            if len(columns) < threshold:
                continue
            site = ctx.sites.get(site_id)
            name = site.name if site else site_id
            res.findings.append(SiteHealth.draft(
                rule, FindingStatus.DEFECT, {"count": len(columns), "threshold": threshold, "name": name}, severity="veto",
                unit_id=site.owner_unit_id if site else None, site_id=site_id or None,
                evidence={"count": len(columns), "threshold": threshold,
                          "columns": [{"column": f.evidence.get("column"), "url": url, "key": f.key,
                                       "latest_date": f.evidence.get("latest_date")}
                                      for url, f in sorted(columns.items())]},
                key=f"{rule}|{site_id}"))
