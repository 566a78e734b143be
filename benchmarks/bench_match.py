"""Benchmark: 1,000,000 generated items matched against the full catalog (432 entries, every domain).

    .venv/bin/python benchmarks/bench_match.py [--items N] [--batch B]

Prints items/s and total seconds for the matcher's batch scorer (``Matcher.score_batch``: title skeletons,
two LCS ``cdist`` runs, jieba tokens, document-type/domain/news cue matrices, column, year and unit
plausibility, top-k candidates) and, in the same process, for a baseline that does the least a matcher can
do: one rapidfuzz ``cdist`` (``fuzz.ratio``) of the raw titles against the 二级 names and an argmax, on a
sample scaled to the same item count. The issue's target is ≤ 60 s for 1,000,000 items on 2 cores.

Items are generated from many templates, years, months, batch numbers, issuers and abbreviations, so a
batch holds many distinct titles; the scorer works on distinct title skeletons (years and numbers dropped)
and the share of distinct skeletons is printed, since it is what the cost depends on.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor.catalog.loader import load_catalog
from auditor.match.matcher import ItemView, Matcher
from auditor.match.normalise import canonical, normalise, skeleton

ISSUERS = ["", "", "区民政局", "云岭区财政局", "城东街道", "青石镇人民政府", "区人社局", "区教育局", "桃源乡", "县卫健局"]
WRAPS = ["{w}{y}年{c}", "关于{y}年{m}月{c}的公示", "{c}（{y}年第{n}期）", "{w}{c}公告", "{y}年{w}{c}公开", "{c}",
         "〔{y}〕{n}号{c}", "{w}关于{c}的通知", "{c}名单公示（第{n}批）", "{y}年度{c}"]
NEWS = ["{w}召开{t}工作推进会", "{w}开展{t}专题调研", "{w}举办{t}培训班", "{t}宣传活动走进社区", "关于{y}年{t}放假安排的通知"]
TOPICS = ["文明城市创建", "营商环境", "防汛防台", "垃圾分类", "乡村振兴", "基层治理", "低保", "养老服务", "就业创业"]
ABBR = [("最低生活保障", "低保"), ("特困人员救助供养", "特困供养"), ("临时救助", "临救"), ("公共租赁住房", "公租房")]


def generate(n: int, seed: int = 7) -> list[ItemView]:
    rng = random.Random(seed)
    catalog = load_catalog()
    cores = []
    for e in catalog.entries:
        cores += [e.level2, f"{e.level1}{e.level2}", *e.keywords]
    items = []
    for i in range(n):
        y, m, k = rng.randint(2018, 2026), rng.randint(1, 12), rng.randint(1, 30)
        w = rng.choice(ISSUERS)
        if rng.random() < 0.25:
            title = rng.choice(NEWS).format(w=w, t=rng.choice(TOPICS), y=y)
        else:
            core = rng.choice(cores)
            for full, short in ABBR:
                if full in core and rng.random() < 0.5:
                    core = core.replace(full, short)
            title = rng.choice(WRAPS).format(w=w, y=y, m=m, n=k, c=core)
        items.append(ItemView(i, title, None, "catalog", "", date(y, m, min(k, 28))))
    return items


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=20_000)
    ap.add_argument("--baseline-sample", type=int, default=100_000)
    args = ap.parse_args()

    catalog = load_catalog()
    entries = catalog.entries
    t0 = time.perf_counter()
    items = generate(args.items)
    gen_s = time.perf_counter() - t0
    matcher = Matcher(batch_size=args.batch, catalog_entries=catalog.entries)
    t0 = time.perf_counter()
    idx = matcher.index(entries)
    index_s = time.perf_counter() - t0

    skel = len({skeleton(canonical(normalise(it.title))) for it in items[: min(len(items), 200_000)]})
    t0 = time.perf_counter()
    accepted = review = 0
    for start in range(0, len(items), args.batch):
        bs = matcher.score_batch(idx, items[start:start + args.batch], unit_level="县级")
        accepted += int((bs.decision == 2).sum())
        review += int((bs.decision == 1).sum())
    total_s = time.perf_counter() - t0

    # baseline, same process: one cdist of raw titles against 二级 names and an argmax
    names = [e.level2 for e in entries]
    sample = [it.title for it in items[: args.baseline_sample]]
    t0 = time.perf_counter()
    m = process.cdist(sample, names, scorer=fuzz.ratio, dtype=np.float32, workers=-1)
    m.argmax(axis=1)
    base_s = (time.perf_counter() - t0) * len(items) / len(sample)

    print(f"cores available: {os.cpu_count()}  items: {len(items):,}  entries: {len(entries)}  labels: {len(idx.labels)}")
    print(f"distinct title skeletons in the first {min(len(items), 200_000):,} items: {skel:,}")
    print(f"generate {gen_s:.1f} s · index {index_s:.1f} s (jieba dictionary, labels, cue matrices)")
    print(f"matcher: {total_s:.1f} s total, {len(items) / total_s:,.0f} items/s "
          f"(accepted {accepted:,}, review {review:,})")
    per_million = total_s * 1_000_000 / len(items)
    print(f"per 1,000,000 items: {per_million:.1f} s{'' if len(items) == 1_000_000 else ' (scaled)'}; "
          f"target ≤ 60 s: {'met' if per_million <= 60 else 'NOT met'}")
    print(f"baseline (ratio cdist vs 二级 names, scaled from {len(sample):,}): {base_s:.1f} s; "
          f"matcher/baseline time ratio {total_s / base_s:.1f}×")


if __name__ == "__main__":
    main()
