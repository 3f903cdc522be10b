"""Every notebook in nbs/ is executed as a test (nbdev's `test_nb` semantics), one pytest test per notebook.

Cells marked with a flag from settings.ini's `tst_flags` (e.g. `#| slow`) are skipped unless the flag is passed
with `--nb-flags slow` (`make test FLAGS=slow`); the `nbdev_export()` cell never runs.

Each notebook that passes is written with its outputs to docs/_build/executed/nbs/<name>.ipynb (atomically; set
$PINODE_SR_EXECUTED to write elsewhere), stamped with the SHA-256 of the source it ran: the documentation build
(docs/conf.py) shows those outputs instead of executing the notebook a second time. A notebook that fails leaves no
executed copy, so the docs build executes (and reports) it itself.
"""

import hashlib
import json
import os
import sys
import time
from pathlib import Path

import pytest
from execnb.shell import CaptureShell
from fastcore.basics import str2bool
from fastcore.xtras import working_directory
from nbdev.config import get_config
from nbdev.frontmatter import FrontmatterProc
from nbdev.process import NBProcessor, nb_lang

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "nbs").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
EXECUTED = Path(os.environ.get("PINODE_SR_EXECUTED") or ROOT / "docs" / "_build" / "executed")


def executed_path(nb: Path) -> Path:
    "Where the executed copy of a notebook goes (docs/conf.py reads the same place)."
    return EXECUTED / nb.resolve().relative_to(ROOT)


def run_notebook(nb: Path, skip_flags, force_flags):
    "Run `nb` as nbdev's `test_nb` does, in its folder; (ok, the processed notebook with outputs or None, seconds)."
    flags = set(skip_flags) - set(force_flags)
    processed = NBProcessor(nb, procs=FrontmatterProc, process=True).nb
    fm = getattr(processed, "frontmatter_", {})
    if str2bool(fm.get("skip_exec", False)) or nb_lang(processed) != "python":
        return True, None, 0.0

    def no_eval(cell):
        if cell.cell_type != "code" or "nbdev_export" + "(" in cell.source:
            return True
        direc = getattr(cell, "directives_", {}) or {}
        if direc.get("eval:", [""])[0].lower() == "false":
            return True
        return flags & direc.keys()

    start = time.time()
    shell = CaptureShell(nb)
    try:
        with working_directory(nb.parent):
            shell.run_all(processed, exc_stop=True, preproc=no_eval)
    except Exception:
        sys.stderr.write(shell.prettytb(fname=nb) + "\n")
        return False, None, time.time() - start
    return True, processed, time.time() - start


def write_executed(nb: Path, processed, seconds: float, force_flags) -> Path:
    "The source notebook with the outputs of the run (code cells matched by id, else in order), written atomically."
    raw = nb.read_bytes()
    out = json.loads(raw)
    ran = [c for c in processed.cells if c.cell_type == "code"]
    code = [c for c in out["cells"] if c["cell_type"] == "code"]
    by_id = {c.get("id"): c for c in code}
    same_ids = len(ran) == len(code) and all(c.get("id") in by_id for c in ran) and None not in by_id
    count = 0
    for i, cell in enumerate(ran):
        orig = by_id[cell.get("id")] if same_ids else code[i] if len(ran) == len(code) else None
        if orig is None or "outputs" not in cell:
            continue
        count += 1
        orig["outputs"] = json.loads(json.dumps(cell.outputs))
        orig["execution_count"] = count
        for o in orig["outputs"]:
            if o.get("output_type") == "execute_result":
                o["execution_count"] = count
    out.setdefault("metadata", {})["pinode_sr_executed"] = {
        "by": "tests/test_notebooks.py",
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "seconds": round(seconds, 3),
        "flags": sorted(force_flags),
    }
    dest = executed_path(nb)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, dest)
    return dest


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3, NOTEBOOKS


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[str(p.relative_to(ROOT / "nbs")) for p in NOTEBOOKS])
def test_notebook(nb, request, monkeypatch):
    monkeypatch.chdir(ROOT)
    # nbdev's test_nb sets IN_TEST for good; here it is undone after the test, so that a later test's
    # subprocess (tests/test_repo.py runs nbdev_export, a no-op under IN_TEST) does the real thing.
    monkeypatch.setenv("IN_TEST", "1")
    skip = get_config(path=ROOT).get("tst_flags", "").split()
    force = request.config.getoption("--nb-flags").split()
    executed_path(nb).unlink(missing_ok=True)  # a failing notebook leaves none: the docs build runs it itself
    ok, processed, seconds = run_notebook(nb, skip, force)
    assert ok, f"{nb.name} failed (traceback above in the captured stderr)"
    if processed is not None:
        write_executed(nb, processed, seconds, force)
