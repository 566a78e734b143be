"""Code-shape figures for issue 18, printed so a refactor can show before/after numbers.

Prints: the 10 longest functions (outside migrations), import cycles between auditor's packages,
test modules importing other test modules, the number of `noqa` comments, and lines of code per
package. Static only (ast + text); nothing is imported or run.

    python benchmarks/code_figures.py [repo-root]
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
SKIP_PARTS = {".venv", "migrations", "node_modules", ".git", "build"}


def python_files(top: Path) -> list[Path]:
    """Every .py file under top, migrations and virtualenvs left out."""
    return sorted(p for p in top.rglob("*.py") if not SKIP_PARTS & set(p.relative_to(ROOT).parts))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def longest_functions(files: list[Path], n: int = 10) -> list[tuple[int, str]]:
    found = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                found.append((length, f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"))
    return sorted(found, reverse=True)[:n]


def package_of(module: str) -> str:
    """auditor.match.titles -> auditor.match; top-level modules (auditor.cli) are their own node."""
    parts = module.split(".")
    return ".".join(parts[:2])


def imported_modules(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_pkg = path.name == "__init__.py"
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_pkg else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)
    return names


def package_graph(files: list[Path]) -> dict[str, set[str]]:
    packages = {package_of(module_name(p)) for p in files}
    graph: dict[str, set[str]] = defaultdict(set)
    for path in files:
        source = package_of(module_name(path))
        for name in imported_modules(path, module_name(path)):
            if not name.startswith("auditor."):
                continue
            target = package_of(name)
            if target in packages and target != source:
                graph[source].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one package (Tarjan), plus the direct 2-cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def cross_test_imports(test_files: list[Path]) -> list[str]:
    test_modules = {p.stem for p in test_files if p.stem.startswith("test_")}
    found = []
    for path in test_files:
        for name in imported_modules(path, path.stem):
            head = name.split(".")[0]
            if head in test_modules or name.startswith("tests.test_"):
                found.append(f"{path.relative_to(ROOT)} -> {name.split('.')[0]}")
    return sorted(set(found))


def loc(path: Path) -> int:
    """Non-blank lines that are not only a comment."""
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.strip().startswith("#"))


def main() -> None:
    auditor = python_files(ROOT / "auditor")
    everything = auditor + python_files(ROOT / "spiders") + python_files(ROOT / "tests") \
        + python_files(ROOT / "benchmarks")
    print("== 10 longest functions (lines, outside migrations)")
    for length, where in longest_functions(everything):
        print(f"{length:5d}  {where}")

    graph = package_graph(auditor)
    found = cycles(graph)
    pairs = sorted({tuple(sorted((a, b))) for a in graph for b in graph[a] if a in graph.get(b, ())})
    print(f"\n== import cycles between auditor packages: {len(found)} strongly connected group(s), "
          f"{len(pairs)} direct pair(s)")
    for group in found:
        print("  group: " + " <-> ".join(group))
    for a, b in pairs:
        print(f"  pair:  {a} <-> {b}")

    crossing = cross_test_imports(python_files(ROOT / "tests"))
    print(f"\n== test modules importing other test modules: {len(crossing)}")
    for line in crossing:
        print("  " + line)

    marker = re.compile(r"#\s*noqa\b", re.IGNORECASE)
    noqa = sum(len(marker.findall(p.read_text(encoding="utf-8"))) for p in everything)
    print(f"\n== noqa comments (auditor, spiders, tests, benchmarks): {noqa}")

    per_package: dict[str, int] = defaultdict(int)
    for path in auditor:
        per_package[package_of(module_name(path))] += loc(path)
    for top in ("spiders", "tests", "benchmarks"):
        per_package[top] = sum(loc(p) for p in python_files(ROOT / top))
    print("\n== lines of code per package (non-blank, non-comment)")
    for name, count in sorted(per_package.items(), key=lambda kv: -kv[1]):
        print(f"{count:7d}  {name}")
    print(f"{sum(per_package.values()):7d}  total")


if __name__ == "__main__":
    main()
