"""Write a draft: the registry YAML (what `units validate` reads), and beside it FILE.evidence.json and
FILE.evidence.md with every proposal's evidence and confidence, the unplaced columns and the unread pages.

The registry schema forbids unknown keys, so the evidence lives in the sibling files; the YAML carries
a comment per unit and per column with its confidence so a reviewer sees it in place.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import yaml

from auditor.discover.draft import Draft


def evidence_paths(out: Path) -> tuple[Path, Path]:
    out = Path(out)
    return out.with_name(out.name + ".evidence.json"), out.with_name(out.name + ".evidence.md")


def _commented_yaml(draft: Draft) -> str:
    """safe_dump output with a `# confidence …` comment above each unit and column line."""
    text = yaml.safe_dump(draft.registry_dict(), allow_unicode=True, sort_keys=False, width=200)
    by_url = {c.url: c for c in draft.columns}
    by_unit = {u.id: u for u in draft.units}
    out = []
    in_units = False
    for line in text.splitlines():
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        in_units = in_units or line.startswith("units:")
        if in_units and stripped.startswith("- id: ") and stripped[6:] in by_unit:
            u = by_unit[stripped[6:]]
            out.append(f"{indent}# unit confidence {u.confidence:.2f}: {u.evidence[0] if u.evidence else ''}")
        elif stripped.startswith("url: ") and stripped[5:].strip("'\"") in by_url:
            c = by_url[stripped[5:].strip("'\"")]
            label = f"{c.kind}" + (f" {c.domain}" if c.domain else "") + (f" / {c.level1}" if c.level1 else "")
            out.append(f"{indent}# {label}, confidence {c.confidence:.2f}")
        out.append(line)
    return "\n".join(out) + "\n"


def write_draft(draft: Draft, out: Path, *, source: str) -> tuple[Path, Path, Path]:
    """Write FILE (when a unit was found), FILE.evidence.json and FILE.evidence.md; returns the three paths."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    ev_json, ev_md = evidence_paths(out)
    header = (f"# Draft units registry proposed by `auditor discover` from {source}.\n"
              f"# Review it before use: why each unit, column, kind and domain was proposed is in "
              f"{ev_md.name} (and {ev_json.name});\n# pages it could not place or read are listed there too.\n")
    if draft.units:  # a registry needs a unit; without one only the evidence is written
        out.write_text(header + _commented_yaml(draft), encoding="utf-8")
    payload = {"source": source, "summary": draft.summary(),
               "units": [asdict(u) for u in draft.units], "columns": [asdict(c) for c in draft.columns],
               "sites": [asdict(s) for s in draft.sites],
               "unplaced": [asdict(u) for u in draft.unplaced], "unread": [asdict(u) for u in draft.unread]}
    ev_json.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    ev_md.write_text(markdown(draft, source), encoding="utf-8")
    return out, ev_json, ev_md


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(draft: Draft, source: str) -> str:
    s = draft.summary()
    lines = [f"# Discovery evidence: {draft.district_name}", "", f"Crawled from {source}.", "",
             f"- units: {s['units']} ({s['departments']} departments, {s['subdistricts']} subdistricts)",
             "- columns: " + ", ".join(f"{k} {v}" for k, v in s["columns"].items()),
             f"- domains covered: {len(s['domains_covered'])} ({', '.join(s['domains_covered'])})",
             f"- catalog domains no unit covers: {', '.join(s['domains_uncovered']) or 'none'}",
             f"- unplaced columns: {s['unplaced']}; unread pages: {s['unread']}", "", "## Units", "",
             "| id | name | kind | level | lead | share | confidence | evidence |", "|---|---|---|---|---|---|---|---|"]
    for u in draft.units:
        lines.append(f"| {u.id} | {_md(u.name)} | {u.kind} | {u.level} | {', '.join(u.lead)} | {', '.join(u.share)} "
                     f"| {u.confidence:.2f} | {_md('; '.join(u.evidence))} |")
    lines += ["", "## Columns", "", "| unit | column | kind | domain / 一级事项 | platform | confidence | evidence | "
              "sample titles |", "|---|---|---|---|---|---|---|---|"]
    for c in draft.columns:
        dom = (c.domain or "") + (f" / {c.level1}" if c.level1 else "")
        lines.append(f"| {c.unit or c.site} | [{_md(c.name)}]({c.url}) | {c.kind} | {_md(dom)} | {c.platform} "
                     f"| {c.confidence:.2f} | {_md('; '.join(c.evidence))} | {_md(' / '.join(c.sample_titles[:3]))} |")
    lines += ["", "## Not placed (not guessed)", "", "| page | name | why |", "|---|---|---|"]
    lines += [f"| {u.url} | {_md(u.name)} | {_md(u.reason)} |" for u in draft.unplaced]
    lines += ["", "## Not read", "", "| page | link text | answer |", "|---|---|---|"]
    lines += [f"| {u.url} | {_md(u.name)} | {_md(u.reason)} |" for u in draft.unread]
    return "\n".join(lines) + "\n"
