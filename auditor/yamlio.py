"""Safe YAML loading that remembers line numbers, so validation errors can name file, line and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from auditor.errors import ConfigError

MAX_BYTES = 5 * 1024 * 1024
MAX_NODES = 200_000  # nodes after alias expansion: a billion-laughs file explodes far beyond this


class LocatedYaml:
    """Parsed data plus the node tree, to translate a key path into a line number."""

    def __init__(self, path: Path, data: Any, root: yaml.Node | None) -> None:
        self.path = path
        self.data = data
        self.root = root

    def locate(self, loc: tuple[Any, ...]) -> tuple[int | None, tuple[Any, ...]]:
        """1-based line of the deepest node on `loc` (a pydantic error location) and the key path.

        Parts that are not keys of the file (a union's tag such as 'new_media') are skipped, so
        the key path reads as the user wrote it.
        """
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        path: list[Any] = []
        for i, part in enumerate(loc):
            if isinstance(node, yaml.MappingNode):
                nxt = next(((k, v) for k, v in node.value if k.value == part), None)
                if nxt is None:
                    if i == len(loc) - 1:
                        path.append(part)  # a missing or extra key: name it
                    continue
                line = nxt[0].start_mark.line + 1
                node = nxt[1]
                path.append(part)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
                path.append(part)
            elif isinstance(node, yaml.SequenceNode) or node is None:
                continue
            else:
                path.append(part)
        return line, tuple(path)

    def line_of(self, loc: tuple[Any, ...]) -> int | None:
        return self.locate(loc)[0]


def _expanded_size(root: yaml.Node | None) -> int:
    """Node count with aliases expanded, computed on the shared graph without expanding it."""
    memo: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in memo:
            return memo[key]
        memo[key] = 1  # guards recursive aliases
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(v) for v in node.value)
        else:
            total = 1
        memo[key] = min(total, 10**12)
        return memo[key]

    return size(root) if root is not None else 0


def _refuse_duplicate_keys(root: yaml.Node | None, path: Path, what: str) -> None:
    """A key written twice in one mapping: YAML loaders keep the last value and silently drop the first,
    so the file would not mean what its author reads. Refused with both lines."""
    seen_nodes: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    line = key.start_mark.line + 1
                    if key.value in first:
                        raise ConfigError(f"duplicate key {key.value!r} in {what} file (first at line "
                                          f"{first[key.value]})", where=f"{path}:{line}",
                                          hint="keep one of the two; YAML would silently drop the first value")
                    first[key.value] = line
                stack.append(key)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def load_yaml(path: Path, what: str) -> LocatedYaml:
    """Read a YAML file safely: size cap, alias cap (billion laughs), syntax errors with line numbers."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{what} file not found", where=str(path), hint="check the path")
    if not path.is_file():
        raise ConfigError(f"{what} path is a {'folder' if path.is_dir() else 'special file'}, not a YAML file",
                          where=str(path), hint="give the path of the .yaml file itself")
    if path.stat().st_size > MAX_BYTES:
        raise ConfigError(f"{what} file is larger than {MAX_BYTES // (1024 * 1024)} MB", where=str(path),
                          hint="split it or check it is the right file")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {what} file: {exc.strerror or exc}", where=str(path),
                          hint="check the path and its permissions") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what} file is not UTF-8 ({exc.reason} at byte {exc.start})", where=str(path),
                          hint="save the file as UTF-8") from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        _refuse_duplicate_keys(root, path, what)
        expanded = _expanded_size(root)
        if expanded > MAX_NODES:
            raise ConfigError(f"{what} file expands to {expanded:,} nodes through YAML aliases "
                              f"(limit {MAX_NODES:,})", where=str(path),
                              hint="write the values out instead of nesting aliases")
        data = yaml.safe_load(text)
    except RecursionError:
        raise ConfigError(f"{what} file nests too deeply", where=str(path),
                          hint="flatten the structure") from None
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
        line, loc = doc.locate(tuple(err.get("loc", ())))
        key = ".".join(str(p) for p in loc) or "(top level)"
        where = f"{doc.path}:{line}" if line else str(doc.path)
        out.append(f"{where}: {key}: {err.get('msg')}")
    return out
