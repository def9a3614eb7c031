"""scripts/check-imports.py, run on small trees written here, then on the repository itself."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check-imports.py"


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return root


def check(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True)


def test_one_way_imports_pass_and_print_the_floors(tmp_path):
    root = write_tree(tmp_path, {
        "low/__init__.py": "",
        "high/__init__.py": "from low import thing\n",
        "app.py": "import high\n",
    })
    outcome = check(root)
    assert outcome.returncode == 0, outcome.stderr
    assert "low < high" in outcome.stdout


def test_a_function_level_import_closing_a_circle_fails(tmp_path):
    root = write_tree(tmp_path, {
        "low/__init__.py": "",
        "low/models.py": "def late():\n    from high.views import page\n    return page\n",
        "high/__init__.py": "",
        "high/views.py": "from low import models\n",
    })
    outcome = check(root)
    assert outcome.returncode == 1
    assert "import circle between high, low" in outcome.stderr
    assert "low/models.py:2 imports high.views" in outcome.stderr


def test_a_circle_through_a_third_package_fails(tmp_path):
    root = write_tree(tmp_path, {
        "a/__init__.py": "import b\n",
        "b/__init__.py": "import c\n",
        "c/__init__.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\n",
    })
    outcome = check(root)
    assert outcome.returncode == 1
    assert "a -> b -> c -> a" in outcome.stderr


@pytest.mark.parametrize("entry", ["app", "worker"])
def test_a_package_importing_an_entry_module_fails(tmp_path, entry):
    root = write_tree(tmp_path, {
        "jobs/__init__.py": f"def build():\n    from {entry} import create_app\n",
        f"{entry}.py": "import jobs\n",
    })
    outcome = check(root)
    assert outcome.returncode == 1
    assert f"jobs imports the entry module {entry}.py" in outcome.stderr


def test_the_repository_imports_run_downwards():
    outcome = check(SCRIPT.parent.parent)
    assert outcome.returncode == 0, outcome.stderr
