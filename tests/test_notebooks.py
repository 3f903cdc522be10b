"""Every notebook in nbs/ is executed as a test (nbdev's `test_nb`), one pytest test per notebook.

Cells marked with a flag from settings.ini's `tst_flags` (e.g. `#| slow`) are skipped unless the flag is passed
with `--nb-flags slow` (`make test FLAGS=slow`).
"""

from pathlib import Path

import pytest
from nbdev.config import get_config
from nbdev.test import test_nb as run_notebook  # renamed so pytest does not collect it

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "nbs").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3, NOTEBOOKS


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[str(p.relative_to(ROOT / "nbs")) for p in NOTEBOOKS])
def test_notebook(nb, request, monkeypatch):
    monkeypatch.chdir(ROOT)
    skip = get_config(path=ROOT).get("tst_flags", "").split()
    force = request.config.getoption("--nb-flags").split()
    ok, seconds = run_notebook(nb, skip_flags=skip, force_flags=force, showerr=True)
    assert ok, f"{nb.name} failed (traceback above in the captured stderr)"
