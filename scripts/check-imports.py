#!/usr/bin/env python3
"""Fail when two top-level packages import each other, directly or through others.

Every import counts: module level, inside functions, under TYPE_CHECKING. The entry modules
(app.py, worker.py) sit above everything, so no package may import them. On success, prints the
packages from the ground floor up; on failure, each import circle with the lines that close it.

    python3 scripts/check-imports.py [ROOT]
"""
from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

NOT_APPLICATION = {"tests", "migrations", "bench", "scripts", "node_modules", "static", "templates"}
ENTRY_MODULES = {"app", "worker"}


def application_packages(root: Path) -> list[str]:
    return sorted(
        path.name for path in root.iterdir()
        if path.is_dir() and (path / "__init__.py").is_file() and path.name not in NOT_APPLICATION
    )


def imported_modules(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def import_graph(root: Path) -> dict[str, dict[str, list[str]]]:
    """package -> imported package (or entry module) -> the 'file:line module' lines doing it."""
    packages = set(application_packages(root))
    graph: dict[str, dict[str, list[str]]] = {name: defaultdict(list) for name in packages}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            for lineno, module in imported_modules(path.read_text(encoding="utf-8")):
                top = module.split(".")[0]
                if top != package and (top in packages or top in ENTRY_MODULES):
                    graph[package][top].append(f"{path.relative_to(root)}:{lineno} imports {module}")
    return graph


def circles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in graph:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def shortest_cycle(graph: dict[str, dict[str, list[str]]], members: list[str]) -> list[str]:
    """The shortest path a -> ... -> a inside one circle, as the list of packages it passes."""
    best: list[str] = []
    for start in members:
        paths = {start: [start]}
        queue = [start]
        while queue:
            node = queue.pop(0)
            for target in sorted(graph[node]):
                if target == start:
                    cycle = paths[node] + [start]
                    if not best or len(cycle) < len(best):
                        best = cycle
                    queue = []
                    break
                if target in members and target not in paths:
                    paths[target] = paths[node] + [target]
                    queue.append(target)
    return best


def floors(graph: dict[str, dict[str, list[str]]]) -> list[str]:
    """The packages from the ground floor up (only meaningful when there is no circle)."""
    placed: list[str] = []
    remaining = set(graph)
    while remaining:
        ready = sorted(p for p in remaining if all(t in placed or t not in graph for t in graph[p]))
        if not ready:
            return placed + sorted(remaining)
        placed.extend(ready)
        remaining.difference_update(ready)
    return placed


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parent.parent)
    graph = import_graph(root)
    problems = []
    for package, targets in sorted(graph.items()):
        for entry in sorted(ENTRY_MODULES & set(targets)):
            problems.append(f"{package} imports the entry module {entry}.py:\n    " + "\n    ".join(targets[entry]))
    for circle in circles(graph):
        cycle = shortest_cycle(graph, circle)
        lines = [f"import circle between {', '.join(circle)}; for example {' -> '.join(cycle)}:"]
        for package, target in zip(cycle, cycle[1:]):
            lines.extend(f"    {line}" for line in graph[package][target])
        problems.append("\n".join(lines))
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    print("Imports run downwards: " + " < ".join(floors(graph)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
