"""One worked example per command, shown at the end of its `--help`.

Kept as data in one place (instead of an `epilog=` in each stage's cli.py) so that every command has one:
tests/test_cli_help.py fails for a command whose --help shows no example. A command that writes its own
epilog with an example (score, serve, discover, sample serve, match eval …) is left as it is.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator

# command path (as typed after `auditor`) -> example command lines
EXAMPLES: dict[str, tuple[str, ...]] = {
    "demo": ("auditor demo --out demo-out", "auditor demo --out demo-out --no-pdf"),
    "units validate": ("auditor units validate registry.yaml",),
    "crawl": ("auditor --db audit.db crawl --registry registry.yaml",
              "auditor --db audit.db crawl --registry registry.yaml --replay www.example.gov.cn=./saved-site"),
    "match": ("auditor --db audit.db match --as-of 2026-06-30",),
    "report": ("auditor --db audit.db report --format html,xlsx,pdf --out reports-out",),
    "export": ("auditor --db audit.db export --run 3 --format csv --out reports-out",),
    "runs": ("auditor --db audit.db runs",),
    "extract": ("auditor extract saved/art-1.html --url http://www.example.gov.cn/art/2026/3/1/art_1_1.html",),
    "catalog": ("auditor catalog validate", "auditor catalog --dir my-catalogs stats"),
    "catalog validate": ("auditor catalog validate",),
    "catalog stats": ("auditor catalog stats",),
    "catalog list": ("auditor catalog list --domain 社会救助 --level 乡级",),
    "catalog diff": ("auditor catalog diff mzj-catalog.xlsx --domain 社会救助 --level 县级",),
    "catalog show": ("auditor catalog show shehui_jiuzhu.zdshbz_bszn",),
    "catalog deadline": ("auditor catalog deadline 形成或变更之日起20个工作日内 --from 2026-03-02",),
    "match-titles": ("auditor match-titles titles.csv --out matched.csv",),
    "import-items": ("auditor --db audit.db import-items gsl.csv --unit mzj --channel 公示栏",),
    "resume-crawl": ("auditor --db audit.db resume-crawl 17",),
    "crawl-worker": ("AUDITOR_DISTRIBUTED=redis://10.0.0.5:6379/0 auditor --db postgresql://… crawl-worker --run 17",),
    "snapshot show": ("auditor --db audit.db snapshot show http://www.example.gov.cn/art/1.html --meta",),
    "snapshot prune": ("auditor --db audit.db snapshot prune --keep-runs 5",),
    "rules": ("auditor rules list", "auditor rules show guoban"),
    "rules validate": ("auditor rules validate", "auditor rules validate my-scheme.yaml"),
    "rules show": ("auditor rules show default",),
    "rules list": ("auditor rules list",),
    "upcoming": ("auditor --db audit.db upcoming --unit mzj",),
    "deltas": ("auditor --db audit.db deltas --run 4 --json",),
    "pdf": ("auditor --db audit.db pdf --units --out reports-out", "auditor --db audit.db pdf --unit mzj --matches"),
    "ops schedule": ("auditor ops schedule /etc/auditor/schedule.yaml",),
    "ops validate": ("auditor ops validate /etc/auditor/schedule.yaml",),
    "ops run": ("auditor ops run /etc/auditor/schedule.yaml yunxi-nightly",),
    "ops runs": ("auditor ops runs --json --limit 20",),
    "ops recover": ("auditor ops recover",),
}

_HAS_EXAMPLE = re.compile(r"(?i)\bexamples?:")


def commands(parser: argparse.ArgumentParser,
             path: tuple[str, ...] = ()) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every command under parser: a parser without subcommands, or one that also runs by itself (`match`)."""
    sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    if path and (sub is None or parser.get_default("func") is not None):
        yield " ".join(path), parser
    if sub is None:
        return
    seen: set[int] = set()
    for name, child in sub.choices.items():
        if id(child) not in seen:  # aliases share one parser
            seen.add(id(child))
            yield from commands(child, (*path, name))


def add_examples(parser: argparse.ArgumentParser) -> None:
    """Append EXAMPLES to the --help of each command that does not show an example of its own."""
    for path, command in commands(parser):
        lines = EXAMPLES.get(path)
        if not lines or _HAS_EXAMPLE.search(command.epilog or ""):
            continue
        block = ("example:" if len(lines) == 1 else "examples:") + "".join(f"\n  {line}" for line in lines)
        command.epilog = f"{command.epilog}\n\n{block}" if command.epilog else block
        if command.formatter_class is argparse.HelpFormatter and not command.description:
            command.formatter_class = argparse.RawDescriptionHelpFormatter  # keep one example per line
