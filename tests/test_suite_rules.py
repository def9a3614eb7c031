"""The rules of the test suite that the README states: a test module never imports another test
module or a conftest (shared helpers live in `samples.py`, `world.py`, `factories.py` and the
fixture plugins), so that each module can be read, moved and run alone."""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_no_module_imports_a_test_module_or_a_conftest():
    offending = []
    for path in sorted(TESTS.rglob("*.py")):
        for name in _imported_modules(path):
            last = name.rsplit(".", 1)[-1]
            if name.startswith("tests.") and (last.startswith("test_") or last == "conftest"):
                offending.append(f"{path.relative_to(TESTS.parent)} imports {name}")
    assert offending == []
