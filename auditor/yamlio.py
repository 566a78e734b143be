"""Safe YAML loading that remembers line numbers, so validation errors can name file, line and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from auditor.errors import ConfigError

MAX_BYTES = 5 * 1024 * 1024
MAX_ALIASES = 200


class LocatedYaml:
    """Parsed data plus the node tree, to translate a key path into a line number."""

    def __init__(self, path: Path, data: Any, root: yaml.Node | None) -> None:
        self.path = path
        self.data = data
        self.root = root

    def line_of(self, loc: tuple[Any, ...]) -> int | None:
        """1-based line of the deepest node on `loc` (a pydantic error location) that exists."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                nxt = None
                for key_node, value_node in node.value:
                    if key_node.value == part:
                        nxt = value_node
                        line = key_node.start_mark.line + 1
                        break
                node = nxt
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
            if node is None:
                break
        return line


def load_yaml(path: Path, what: str) -> LocatedYaml:
    """Read a YAML file safely: size cap, alias cap (billion laughs), syntax errors with line numbers."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{what} file not found", where=str(path), hint="check the path")
    if path.stat().st_size > MAX_BYTES:
        raise ConfigError(f"{what} file is larger than {MAX_BYTES // (1024 * 1024)} MB", where=str(path),
                          hint="split it or check it is the right file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what} file is not UTF-8 ({exc.reason} at byte {exc.start})", where=str(path),
                          hint="save the file as UTF-8") from exc
    try:
        aliases = sum(1 for ev in yaml.parse(text, Loader=yaml.SafeLoader) if isinstance(ev, yaml.AliasEvent))
        if aliases > MAX_ALIASES:
            raise ConfigError(f"{what} file uses {aliases} YAML aliases (limit {MAX_ALIASES})", where=str(path),
                              hint="write the values out instead of aliasing them")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"YAML syntax error: {problem}", where=where, hint="fix the YAML syntax at that line") from exc
    return LocatedYaml(path, data, root)


def format_pydantic_errors(doc: LocatedYaml, exc: Any) -> list[str]:
    """One line per pydantic error: file:line: key.path: message."""
    out = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        line = doc.line_of(loc)
        key = ".".join(str(p) for p in loc) or "(top level)"
        where = f"{doc.path}:{line}" if line else str(doc.path)
        out.append(f"{where}: {key}: {err.get('msg')}")
    return out
