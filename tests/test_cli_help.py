"""Every command documents itself: an example at the end of its --help that the parser accepts, and a row in
the README's command table. A new command fails here until it has both (auditor/cli_examples.py, README)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from auditor.cli import build_parser
from auditor.cli_examples import commands

README = Path(__file__).resolve().parents[1] / "README.md"
PARSER = build_parser()
COMMANDS = dict(commands(PARSER))


def _examples(help_text: str) -> list[str]:
    """The `auditor …` commands after the first "example:" / "examples:" of a --help text (one per `&&`; an
    explanation in parentheses or after two spaces is not part of the command)."""
    found = re.search(r"(?i)\bexamples?:(.*)", help_text, re.S)
    if not found:
        return []
    lines = re.findall(r"(?m)\bauditor\s[^\n]*", found.group(1))
    parts = [part.strip() for line in lines for part in line.split("&&")]
    return [re.split(r"\s{2,}|\s\(", part)[0] for part in parts if part.startswith("auditor ")]


def _command_cells() -> list[str]:
    """First cells of the README table headed `| command | what it does |`."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index("| command | what it does |")
    cells = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells.append(re.split(r"(?<!\\)\|", line)[1])
    return cells


def _names(command: str, cell: str) -> bool:
    """The cell names the command: a code span starting with it (after `auditor `), its sub-words in the cell."""
    top, *rest = command.split()
    spans = [re.sub(r"^auditor\s+", "", s) for s in re.findall(r"`([^`]+)`", cell)]
    words = set(re.findall(r"[\w-]+", cell))
    return any(re.match(rf"{re.escape(top)}(?![\w-])", s) for s in spans) and all(w in words for w in rest)


def test_the_command_tree_is_walked():
    assert {"crawl", "score", "catalog diff", "ops run", "serve", "discover"} <= set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_shows_an_example_the_parser_accepts(command):
    examples = _examples(COMMANDS[command].format_help())
    assert examples, f"`auditor {command} --help` shows no example: add one to auditor/cli_examples.py EXAMPLES"
    ours = []
    for line in examples:
        argv = shlex.split(line)[1:]  # drop "auditor"
        try:
            args = PARSER.parse_args(argv)
        except SystemExit as exc:
            pytest.fail(f"example does not parse (exit {exc.code}): {line}")
        assert callable(getattr(args, "func", None)), line
        rest = iter(argv)
        ours.append(all(word in rest for word in command.split()))
    assert any(ours), f"no example of `auditor {command}` itself in {examples}"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_readme_command_table_has_a_row(command):
    cells = _command_cells()
    assert any(_names(command, cell) for cell in cells), f"no row for `auditor {command}` in README's command table"
