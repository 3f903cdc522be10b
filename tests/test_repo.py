"""Repository checks: the package is what the notebooks export, notebooks are clean, README is in sync,
figure notebooks are papermill-ready and run on the smoke preset."""

import ast
import filecmp
import json
import re
import shutil
import subprocess
import sys
import textwrap
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
    for name in ("settings.ini", "setup.py", "ruff.toml"):
        shutil.copy(ROOT / name, dst / name)
    for name in ("nbs", "pinode_sr", "paper_figures"):
        shutil.copytree(ROOT / name, dst / name, ignore=shutil.ignore_patterns("__pycache__", "executed", "out*"))
    return dst


def _tree_diff(a: Path, b: Path, pattern: str, recursive: bool = True) -> list[str]:
    "Files matching `pattern` that differ between folders `a` and `b` (or exist in only one)."
    find = Path.rglob if recursive else Path.glob
    files = sorted({p.relative_to(a) for p in find(a, pattern)} | {p.relative_to(b) for p in find(b, pattern)})
    return [
        str(f)
        for f in files
        if "__pycache__" not in f.parts
        and not ((a / f).exists() and (b / f).exists() and filecmp.cmp(a / f, b / f, shallow=False))
    ]


def test_export_leaves_package_unchanged(project_copy):
    "The package is `ruff format` of what nbdev exports (`make export` runs both)."
    subprocess.run([BIN / "nbdev_export"], cwd=project_copy, check=True, capture_output=True)
    subprocess.run([BIN / "ruff", "format", "-q", "pinode_sr"], cwd=project_copy, check=True, capture_output=True)
    changed = _tree_diff(ROOT / "pinode_sr", project_copy / "pinode_sr", "*.py")
    assert not changed, f"pinode_sr/ is out of sync with the notebooks (run `make export`): {changed}"


def test_package_imports_itself_relatively():
    "nbdev makes a module-level `from pinode_sr.x import ...` relative only when the statement is on one line."
    bad = [
        f"{p.name}:{i}"
        for p in sorted((ROOT / "pinode_sr").glob("*.py"))
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if line.startswith("from pinode_sr")  # module level: nbdev leaves imports inside functions as written
    ]
    assert not bad, (
        f"absolute imports of pinode_sr in the package: {bad}. In the exported notebook cell, split the import into "
        "single-line `from pinode_sr.x import a, b` statements of at most 130 characters (ruff format turns a longer "
        "one into a parenthesised multi-line import, which nbdev leaves absolute), then `make export`"
    )


def test_clean_leaves_notebooks_unchanged(project_copy):
    subprocess.run([BIN / "nbdev_clean"], cwd=project_copy, check=True, capture_output=True)
    subprocess.run([BIN / "nbdev_clean", "--fname", "paper_figures"], cwd=project_copy, check=True, capture_output=True)
    changed = _tree_diff(ROOT / "nbs", project_copy / "nbs", "*.ipynb")
    changed += _tree_diff(ROOT / "paper_figures", project_copy / "paper_figures", "*.ipynb", recursive=False)
    assert not changed, f"notebooks are not clean (run `make clean-nbs`): {changed}"


# ruff (ruff.toml) over the Python files and, through nbQA, the notebooks: lint, then the formatter's check.
PY_PATHS = ["pinode_sr", "tests", "tools", "docs", "setup.py"]
NB_PATHS = ["nbs", "paper_figures"]


def _run(cmd: list) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, capture_output=True, text=True)


def _report(r: subprocess.CompletedProcess) -> str:
    return (r.stdout + r.stderr).strip()[-4000:]


def test_ruff_check_python():
    r = _run([BIN / "ruff", "check", *PY_PATHS])
    assert r.returncode == 0, f"ruff finds problems (fix them, or `make lint` to list them again):\n{_report(r)}"


def test_ruff_check_notebooks():
    r = _run([BIN / "nbqa", "ruff", *NB_PATHS])
    assert r.returncode == 0, (
        f"ruff (through nbQA) finds problems in the notebooks (fix them in the notebook, then `make export`):\n{_report(r)}"
    )


def test_ruff_format_python():
    r = _run([BIN / "ruff", "format", "--check", *PY_PATHS])
    assert r.returncode == 0, f"Python files are not ruff-formatted (run `make format`):\n{_report(r)}"


def test_ruff_format_notebooks():
    r = _run([BIN / "nbqa", "ruff format", *NB_PATHS, "--check"])
    assert r.returncode == 0, f"notebooks are not ruff-formatted (run `make format`):\n{_report(r)}"


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
        ast.literal_eval(stmt.value)  # raises if not a literal
        names.add(stmt.targets[0].id)
    # `retrain` only where a figure trains (loads runs): fig07 benchmarks solvers and trains nothing, so an unused
    # `retrain` there would be a parameter that silently does nothing.
    trains = "load_paper_runs" in "".join(c.source for c in nbformat.read(nb, as_version=4).cells if c is not cells[0])
    required = {"preset", "out_dir"} | ({"retrain"} if trains else set())
    assert required <= names, f"{nb.name}: the parameters cell must define {sorted(required)}, has {sorted(names)}"


@pytest.mark.xdist_group("figures")  # one worker runs them in turn: the first trains the shared smoke runs once
@pytest.mark.parametrize("nb", FIGURES, ids=[p.stem for p in FIGURES])
def test_figure_runs_on_smoke_preset(nb, tmp_path):
    import papermill as pm

    out = tmp_path / "out"
    pm.execute_notebook(
        str(nb),
        str(tmp_path / nb.name),
        parameters={"preset": "smoke", "out_dir": str(out)},
        cwd=str(nb.parent),
        kernel_name="python3",
        progress_bar=False,
    )
    stem = nb.stem.split("_")[0]  # fig01_reference -> fig01
    for ext in ("md", "csv", "json") if stem.startswith("table") else ("png", "pdf", "json"):
        assert (out / f"{stem}.{ext}").stat().st_size > 0
    written = json.loads((out / f"{stem}.json").read_text())
    assert written["preset"] == "smoke"
    # The committed paper outputs have every field the notebook writes today (a stale out/ keeps old names). The
    # paper preset may write more (more models, peers, tolerances), so only the smoke run's fields are required.
    fix = "regenerate paper_figures/out/ with `make figures` and commit it"
    committed = json.loads((OUT / f"{stem}.json").read_text())
    assert committed["preset"] == "paper", f"paper_figures/out/{stem}.json is not a paper-preset output: {fix}"
    missing = {_PAPER_NAME.get(f, f) for f in _field_names(written)} - _field_names(committed)
    assert not missing, f"paper_figures/out/{stem}.json lacks fields {nb.name} writes today: {sorted(missing)}: {fix}"
    if stem.startswith("table"):
        head = lambda p: p.read_text().splitlines()[0]
        assert head(OUT / f"{stem}.csv") == head(out / f"{stem}.csv"), f"paper_figures/out/{stem}.csv columns: {fix}"


# Fields a notebook names by preset on purpose: the smoke horizon ends before 100 ms, so fig06 shows the whole
# horizon's nRMSE there and the 100–150 ms one on the paper preset.
_PAPER_NAME = {"nrmse_V": "late_nrmse_V"}


def _field_names(o) -> set[str]:
    "The names of the fields (keys whose values are not dicts) anywhere in a JSON document, numbers in them as '#' (windows, tolerances): its schema, without the names of models, methods or seeds that key sub-dicts."
    if isinstance(o, dict):
        own = {re.sub(r"\d+(\.\d+)?(e-?\d+)?", "#", k) for k, v in o.items() if not isinstance(v, dict)}
        return own | {f for v in o.values() for f in _field_names(v)}
    if isinstance(o, list):
        return {f for v in o for f in _field_names(v)}
    return set()


# The results pasted into the notebooks are the committed paper results (paper_figures/out/, written by
# `make figures`): a rerun that changes them must update the prose too, and this says where.
OUT = ROOT / "paper_figures" / "out"


def _md_tables(text: str) -> list[list[str]]:
    "Markdown tables in `text`, each as its list of row lines (header and separator included)."
    tables, cur = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            cur.append(line.rstrip())
        elif cur:
            tables.append(cur)
            cur = []
    return tables


def _nb_text(path: Path) -> str:
    return "\n\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")


def test_index_table1_is_the_committed_table():
    committed = _md_tables((OUT / "table1.md").read_text())[0]
    found = [t for t in _md_tables(_nb_text(ROOT / "nbs" / "index.ipynb")) if t[0] == committed[0]]
    fix = (
        "paste paper_figures/out/table1.md (written by `make figures`, paper_figures/table1.ipynb) into the "
        "Table 1 cell of nbs/index.ipynb, then `make readme`"
    )
    assert len(found) == 1, f"nbs/index.ipynb: no table with table1.md's header ({committed[0][:60]}…): {fix}"
    assert len(found[0]) == len(committed), (
        f"nbs/index.ipynb Table 1 has {len(found[0]) - 2} rows, out/table1.md {len(committed) - 2}: {fix}"
    )
    for mine, ref in zip(found[0], committed):
        assert mine == ref, (
            f"nbs/index.ipynb Table 1 row differs from paper_figures/out/table1.md:\n  index:     {mine}\n  table1.md: {ref}\n{fix}"
        )


def test_06_train_table_is_the_committed_per_seed_results():
    "06_training's per-seed table of the paper preset against out/table1.json's PI-NODE-SR rows, at the digits shown."
    rows = [r for r in json.loads((OUT / "table1.json").read_text())["per_seed"] if r["method"] == "pinode_sr"]
    rows = sorted(rows, key=lambda r: r["seed"])
    sign = lambda x, d: f"{x:+.{d}f}".replace("-", "\u2212")
    expected = {
        "seed": [str(r["seed"]) for r in rows],
        "frequency error (%)": [sign(r["freq_error_pct"], 2) for r in rows],
        "peak error (mV)": [sign(r["peak_error"], 2) for r in rows],
        "trough error (mV)": [sign(r["trough_error"], 3) for r in rows],
        "spikes in 0–150 ms (reference: 11)": [str(r["n_events"]) for r in rows],
    }
    tables = [t for t in _md_tables(_nb_text(ROOT / "nbs" / "06_training.ipynb")) if t[0].startswith("| seed |")]
    fix = (
        "rewrite the table under 'The paper preset: measured' in nbs/06_training.ipynb from "
        "paper_figures/out/table1.json (per_seed, method pinode_sr), or rerun `make figures` if the notebook is right"
    )
    assert len(tables) == 1, f"nbs/06_training.ipynb: expected one per-seed table, found {len(tables)}: {fix}"
    got = {
        cells[0]: cells[1:]
        for cells in ([x.strip() for x in line.strip("|").split("|")] for line in tables[0])
        if not cells[0].startswith("---")
    }
    assert set(got) == set(expected), f"nbs/06_training.ipynb per-seed table rows {sorted(got)} != {sorted(expected)}: {fix}"
    for name, values in expected.items():
        assert got[name] == values, (
            f"nbs/06_training.ipynb per-seed table, row '{name}': {got[name]} but "
            f"paper_figures/out/table1.json gives {values}: {fix}"
        )


_IMPORT_ORDERS = {
    # how users write it; each runs in a fresh interpreter, then every public name is checked
    "names first": "from pinode_sr import {names}\nimport pinode_sr\n{submodules}",
    "submodules first": "{submodules}\nfrom pinode_sr import {names}\nimport pinode_sr",
    "attribute access": "import pinode_sr as ps\nps.preset('smoke', seeds=(0,))\n{submodules}\nfrom pinode_sr import {names}",
    "star import": "{submodules}\nfrom pinode_sr import *\nimport pinode_sr",
}


@pytest.mark.parametrize("order", sorted(_IMPORT_ORDERS))
def test_public_names_are_never_modules(order):
    "Every name `import pinode_sr` offers is the function or class, in every import order (a submodule named like a public function would shadow it once imported)."
    import pkgutil

    import pinode_sr

    names = sorted(pinode_sr.__all__)
    submodules = sorted(m.name for m in pkgutil.iter_modules(pinode_sr.__path__) if m.name not in ("bench",))
    clash = sorted(set(names) & {m.name for m in pkgutil.iter_modules(pinode_sr.__path__)})
    assert not clash, f"public names that are also submodule names (one shadows the other): {clash}"
    code = _IMPORT_ORDERS[order].format(names=", ".join(names), submodules="\n".join(f"import pinode_sr.{m}" for m in submodules))
    code += textwrap.dedent(
        f"""
        import inspect, types
        names = {names!r}
        for n in names:
            for v in (getattr(pinode_sr, n), globals().get(n)):
                assert v is not None and not isinstance(v, types.ModuleType), (n, v)
                assert callable(v) or isinstance(v, dict), (n, type(v))
        from pinode_sr import preset, train, DatasetConfig, HodgkinHuxley
        cfg = preset("smoke", seeds=(0,))
        assert callable(train) and inspect.signature(train).parameters, train
        assert pinode_sr.train is train and type(cfg).__name__ == "TrainConfig"
        print("ok", len(names))
        """
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0 and r.stdout.startswith("ok"), f"import order {order!r} failed:\n{r.stdout}\n{r.stderr[-3000:]}"


# ---------------------------------------------------------------- the shape of the package
def _package_imports() -> dict[str, list[tuple[str, str]]]:
    "module -> [(imported module, imported name)] for every import of a pinode_sr module, inside functions too."
    mods = {p.stem for p in (ROOT / "pinode_sr").glob("*.py")}
    out = {}
    for p in sorted((ROOT / "pinode_sr").glob("*.py")):
        if p.stem == "_modidx":
            continue
        found = []
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                rel = node.level == 1 and node.module in mods
                ab = node.level == 0 and node.module.startswith("pinode_sr.") and node.module[10:] in mods
                if rel or ab:
                    m = node.module if rel else node.module[10:]
                    found += [(m, a.name) for a in node.names if m != p.stem]
        out[p.stem] = found
    return out


def test_import_graph_has_no_cycle():
    "No module imports, even inside a function, a module that imports it back (directly or around a circle)."
    graph = {m: sorted({d for d, _ in imps}) for m, imps in _package_imports().items()}
    state, path, cycles = {}, [], []

    def visit(m):
        state[m] = "open"
        path.append(m)
        for d in graph.get(m, []):
            if state.get(d) == "open":
                cycles.append(path[path.index(d) :] + [d])
            elif d not in state:
                visit(d)
        path.pop()
        state[m] = "done"

    for m in graph:
        if m not in state:
            visit(m)
    assert not cycles, f"import circles in pinode_sr: {[' -> '.join(c) for c in cycles]}"


# private names one module still takes from another: to shrink, never to grow (`_kernels` is the shared private wing)
_PRIVATE_IMPORTS_LEFT = {
    "bench": {"system._FUNCTIONS", "system._dphi", "system._phi", "gradients._Field", "training._cycle_points"},
    "scipy_rodas5p": "rodas5p.*",  # the scipy adapter of the Rodas5P kernel (02d_scipy): its step is the kernel's own
}


def test_no_new_private_imports_across_modules():
    "A module takes another's public names, or the private wing's (`pinode_sr._kernels`); the known exceptions only shrink."
    new = []
    for m, imps in _package_imports().items():
        allowed = _PRIVATE_IMPORTS_LEFT.get(m, set())
        for d, name in imps:
            key = f"{d}.{name}"
            if name.startswith("_") and not d.startswith("_") and not (allowed == f"{d}.*" or key in allowed):
                new.append(f"{m} <- {key}")
    assert not new, f"modules importing another module's private names (make them public, or move them to _kernels): {new}"


_LONG_FUNCTIONS_LEFT: set[str] = set()  # "module.function" of functions still over 80 lines: to stay empty


def test_no_function_over_80_lines():
    "Every function of the package fits on a screen (80 lines, docstring and signature included)."
    long = []
    for p in sorted((ROOT / "pinode_sr").glob("*.py")):
        if p.stem == "_modidx":
            continue
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > 80 and f"{p.stem}.{node.name}" not in _LONG_FUNCTIONS_LEFT:
                    long.append(f"{p.stem}.{node.name} ({n} lines)")
    assert not long, f"functions over 80 lines (split them into named parts): {long}"


# ---------------------------------------------------------------- no code written twice
_MIN_REPEAT = 6  # lines: a block this long standing twice is one piece of logic to name and share


def _code_lines(text: str) -> list[tuple[int, str]]:
    "(line number, line with its white space folded) of a source's lines that count: blank lines, comments, imports and lines without a word character (lone brackets) are passed over."
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        s = " ".join(line.split())
        if s and not s.startswith(("#", "import ", "from ")) and re.search(r"\w", s):
            out.append((i, s))
    return out


def repeated_blocks(files: dict[str, str], n: int = _MIN_REPEAT) -> list[str]:
    "Every maximal block of at least `n` counted lines that stands, the same line for line, somewhere else too (in its own file or another): 'name:first-last' of each place."
    lines = {name: _code_lines(text) for name, text in files.items()}
    where: dict[tuple, list] = {}
    for name, ls in lines.items():
        for j in range(len(ls) - n + 1):
            where.setdefault(tuple(s for _, s in ls[j : j + n]), []).append((name, j))
    covered: dict[str, set] = {}
    for places in where.values():
        if len(places) > 1:
            for name, j in places:
                covered.setdefault(name, set()).update(range(j, j + n))
    blocks = []
    for name, idx in sorted(covered.items()):
        idx = sorted(idx)
        starts = [j for k, j in enumerate(idx) if k == 0 or idx[k - 1] != j - 1]
        ends = [j for k, j in enumerate(idx) if k == len(idx) - 1 or idx[k + 1] != j + 1]
        blocks += [f"{name}:{lines[name][a][0]}-{lines[name][b][0]}" for a, b in zip(starts, ends)]
    return blocks


def test_repeated_blocks_finds_a_copy():
    "The check itself: a block of six lines pasted into another file (re-indented) is found in both; five are not."
    body = "\n".join(f"    x{i} = f(x{i - 1}, {i})  # step {i}" for i in range(1, 7))
    a = f"import os\n\ndef a():\n{body}\n    return x6\n"
    b = f"def b(y):\n    if y:\n{textwrap.indent(body, '    ')}\n\n    return 0\n"
    assert repeated_blocks({"a": a, "b": b}) == ["a:4-9", "b:3-8"]
    assert repeated_blocks({"a": a, "b": b}, n=7) == []
    five = "\n".join(body.splitlines()[:5])
    assert repeated_blocks({"a": a, "c": f"def c():\n{five}\n    return 1\n"}) == []


_REPEATED_BLOCKS_LEFT = 0  # blocks of the package that still stand twice: only to shrink


def test_no_block_of_six_lines_repeated():
    "No block of six or more lines stands twice in pinode_sr/ (the generated _modidx aside): shared logic has one home."
    files = {p.name: p.read_text() for p in sorted((ROOT / "pinode_sr").glob("*.py")) if p.stem != "_modidx"}
    blocks = repeated_blocks(files)
    assert len(blocks) <= _REPEATED_BLOCKS_LEFT, (
        f"{len(blocks)} blocks of {_MIN_REPEAT}+ lines stand more than once in pinode_sr/ (allowed: {_REPEATED_BLOCKS_LEFT}): "
        f"{blocks}. Give the shared logic one home (a function both call) in the notebooks, then `make export`"
    )


# code cells over ~80 lines left, by notebook: single classes, the Rodas5P tableau, and notebooks other work owns. Only
# to shrink: a definition dump is split at its top-level definitions, each test right after what it tests
_LONG_CELLS_LEFT = {"01_system": 2, "02_rodas5p": 3, "02d_scipy": 1, "04b_wmethod": 3, "06b_trained": 1, "07_baselines": 1}


def test_no_code_cell_over_80_lines():
    "A notebook reads as methods: no code cell runs past a screen (80 lines) but the known ones."
    over = {}
    for nb in sorted((ROOT / "nbs").glob("*.ipynb")):
        n = [len(c.source.splitlines()) for c in nbformat.read(nb, as_version=4).cells if c.cell_type == "code"]
        if any(k > 80 for k in n):
            over[nb.stem] = [k for k in n if k > 80]
    new = {nb: n for nb, n in over.items() if len(n) > _LONG_CELLS_LEFT.get(nb, 0)}
    assert not new, f"code cells over 80 lines (split them at their top-level definitions): {new}"


# A methods notebook states the method and its current result; how, where and when a number was measured, and what
# came before, belong in the benchmark notebook (10_bench), the notes or generated tables. These phrases are the
# narrative's tells, each precise enough that method prose does not use it ("measured", "now", "was" alone are fine).
_HISTORY_PHRASES = re.compile(
    r"\bthis (?:2-core |two-core |shared )?machine\b|\bshared machine\b|\b(?:quiet|quieter|busy|busier) (?:day|machine)\b"
    r"|\btoday(?:'s)?\b|\bload average\b|\bheavy load\b|\bwe (?:measured|found|tried|ran)\b|\bwhat we\b|\bpreviously\b"
    r"|\b(?:previous|earlier) (?:version|runs?)\b|\bno longer\b|\bas before\b|\bwas before\b|\(it was\b"
    r"|\bre-?(?:measured|timed)\b|\bretrained on\b|\bonce (?:accepted|trained)\b|\b20\d\d-\d\d-\d\d\b",
    re.I,
)
_HISTORY_EXEMPT = {"index", "10_bench"}  # the project's front page, and the benchmarks, where measurements belong


def test_history_phrases_find_the_narrative():
    found = [
        m.group(0)
        for m in _HISTORY_PHRASES.finditer(
            "Measured on this machine on a quiet day (it was 50 µs); as before, today's run, 2026-12-07, retrained on the new code."
        )
    ]
    assert found == ["this machine", "quiet day", "(it was", "as before", "today's", "2026-12-07", "retrained on"], found
    method = "The residual is measured in units of each variable's rate; a run now resumes where it was stopped, once."
    assert not _HISTORY_PHRASES.search(method)


def test_methods_notebooks_state_no_history():
    "Methods notebooks (nbs/ but the index and 10_bench) say what the method does and gives, not when or where it was measured."
    hits = {}
    for nb in sorted((ROOT / "nbs").glob("*.ipynb")):
        if nb.stem in _HISTORY_EXEMPT:
            continue
        for i, c in enumerate(nbformat.read(nb, as_version=4).cells):
            if c.cell_type == "markdown":
                hits.setdefault(nb.stem, []).extend(f"cell {i}: {m.group(0)!r}" for m in _HISTORY_PHRASES.finditer(c.source))
    new = {nb: h for nb, h in hits.items() if h}
    assert not new, (
        "history in methods notebooks (state the method and its current result; measurements go to 10_bench): "
        + "; ".join(f"{nb}: {', '.join(h)}" for nb, h in new.items())
    )
