"""Repository checks: the package is what the notebooks export, notebooks are clean, README is in sync,
figure notebooks are papermill-ready and run on the smoke preset."""
import ast
import filecmp
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FIGURES = sorted((ROOT / "paper_figures").glob("*.ipynb"))
sys.path.insert(0, str(ROOT / "tools"))


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory):
    "A scratch copy of the sources, so nbdev commands can run without touching the work tree."
    dst = tmp_path_factory.mktemp("copy")
    for name in ("settings.ini", "setup.py"):
        shutil.copy(ROOT / name, dst / name)
    for name in ("nbs", "pinode_sr", "paper_figures"):
        shutil.copytree(ROOT / name, dst / name, ignore=shutil.ignore_patterns("__pycache__", "executed", "out*"))
    return dst


def _tree_diff(a: Path, b: Path, pattern: str, recursive: bool = True) -> list[str]:
    "Files matching `pattern` that differ between folders `a` and `b` (or exist in only one)."
    find = Path.rglob if recursive else Path.glob
    files = sorted({p.relative_to(a) for p in find(a, pattern)} | {p.relative_to(b) for p in find(b, pattern)})
    return [str(f) for f in files if "__pycache__" not in f.parts
            and not ((a / f).exists() and (b / f).exists() and filecmp.cmp(a / f, b / f, shallow=False))]


def test_export_leaves_package_unchanged(project_copy):
    subprocess.run([BIN / "nbdev_export"], cwd=project_copy, check=True, capture_output=True)
    changed = _tree_diff(ROOT / "pinode_sr", project_copy / "pinode_sr", "*.py")
    assert not changed, f"pinode_sr/ is out of sync with the notebooks (run `make export`): {changed}"


def test_clean_leaves_notebooks_unchanged(project_copy):
    subprocess.run([BIN / "nbdev_clean"], cwd=project_copy, check=True, capture_output=True)
    subprocess.run([BIN / "nbdev_clean", "--fname", "paper_figures"], cwd=project_copy, check=True, capture_output=True)
    changed = _tree_diff(ROOT / "nbs", project_copy / "nbs", "*.ipynb")
    changed += _tree_diff(ROOT / "paper_figures", project_copy / "paper_figures", "*.ipynb", recursive=False)
    assert not changed, f"notebooks are not clean (run `make clean-nbs`): {changed}"


def test_readme_in_sync():
    import make_readme
    assert (ROOT / "README.md").read_text() == make_readme.render(), "README.md is out of date: run `make readme`"


def test_readme_names_the_commands_ci_runs():
    readme = (ROOT / "README.md").read_text()
    top = readme[:1500]
    assert "make test" in top and "make figures" in top
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_there_are_figure_notebooks():
    assert FIGURES, "paper_figures/ has no notebooks"


@pytest.mark.parametrize("nb", FIGURES, ids=[p.stem for p in FIGURES])
def test_figure_has_one_literal_parameters_cell(nb):
    cells = [c for c in nbformat.read(nb, as_version=4).cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{nb.name}: {len(cells)} cells tagged 'parameters', expected exactly 1"
    names = set()
    for stmt in ast.parse(cells[0].source).body:
        assert isinstance(stmt, ast.Assign) and len(stmt.targets) == 1, f"{nb.name}: parameters cell must only assign"
        ast.literal_eval(stmt.value)   # raises if not a literal
        names.add(stmt.targets[0].id)
    assert {"preset", "out_dir", "retrain"} <= names, names


@pytest.mark.xdist_group("figures")   # one worker runs them in turn: the first trains the shared smoke runs once
@pytest.mark.parametrize("nb", FIGURES, ids=[p.stem for p in FIGURES])
def test_figure_runs_on_smoke_preset(nb, tmp_path):
    import papermill as pm
    out = tmp_path / "out"
    pm.execute_notebook(str(nb), str(tmp_path / nb.name), parameters={"preset": "smoke", "out_dir": str(out)},
                        cwd=str(nb.parent), kernel_name="python3", progress_bar=False)
    stem = nb.stem.split("_")[0]                       # fig01_reference -> fig01
    for ext in (("md", "csv", "json") if stem.startswith("table") else ("png", "pdf", "json")):
        assert (out / f"{stem}.{ext}").stat().st_size > 0
    assert json.loads((out / f"{stem}.json").read_text())["preset"] == "smoke"
