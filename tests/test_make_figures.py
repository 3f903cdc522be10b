"""The pieces of `make figures` (tools/make_figures.py) and of the docs' reuse of executed notebooks, without training.

The end-to-end check is `make figures` itself: its timing.json lists, per figure, the runs the notebook opened and
any it had to train itself (`runs_trained_in_notebook`, empty when the up-front sweep covered it).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import make_figures  # noqa: E402
import timing_table  # noqa: E402

TRAINS = ("load_paper_runs(", "load_beyond_runs(", "load_or_train_partial(", "load_or_train(", "sweep(", "run_paper(")


def _code(nb: Path) -> str:
    return "".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code")


def test_every_figure_that_loads_runs_gets_them_up_front():
    "A figure notebook that trains or loads runs has its configs in the up-front sweep; one that does not, none."
    need = make_figures.figure_configs("smoke")
    for nb in sorted((ROOT / "paper_figures").glob("*.ipynb")):
        loads = any(t in _code(nb) for t in TRAINS)
        assert bool(need.get(nb.stem)) == loads, (nb.stem, loads, len(need.get(nb.stem, [])))
    assert set(need) <= {p.stem for p in (ROOT / "paper_figures").glob("*.ipynb")}


def test_figure_configs_share_runs():
    "The six paper figures use the same grid; beyond2 adds the shared-field network; the partial runs go through the one entry."
    from pinode_sr.ablations import paper_configs

    need = make_figures.figure_configs("smoke")
    names = {nb: {make_figures.folder_name(c) for c in cfgs} for nb, cfgs in need.items()}
    grid = {make_figures.folder_name(c) for c in paper_configs("smoke")}
    assert all(names[nb] == grid for nb in make_figures.PAPER_FIGURES)
    assert names["beyond5_uncertainty"] < names["beyond4_identification"]
    assert any(getattr(c, "vector_field", "") == "neuron_shared" for c in need["beyond2_network"])
    from pinode_sr.sweep import RUNNERS, _runner

    assert "PartialConfig" not in RUNNERS  # nothing registered: the config makes its own run
    assert _runner(need["beyond4_identification"][0]) == ("pinode_sr.loop", "load_or_train", "partial")
    assert all(n.startswith("partial-") for n in names["beyond4_identification"])


def test_longest_first_uses_the_last_timing():
    cfgs = make_figures.figure_configs("smoke")["beyond2_network"]
    a, b = (make_figures.folder_name(c) for c in cfgs[:2])
    assert make_figures.estimated_cost(cfgs[0], {a: 5.0}) == 5.0
    assert make_figures.estimated_cost(cfgs[1], {a: 5.0}) > 0  # no record: the rough cost


def test_run_log_records_each_run_folder_once(tmp_path):
    "tools/run_log.py (run in every figure kernel) logs the run folders opened under the root, once each, in order."
    root, log = tmp_path / "runs", tmp_path / "log.txt"
    for d in ("pinode-aaa", "pinn-bbb", ".staging-pinode-ccc-1234"):
        (root / d).mkdir(parents=True)
        (root / d / "metrics.json").write_text("{}")
    (tmp_path / "other.json").write_text("{}")
    code = (ROOT / "tools" / "run_log.py").read_text() + (
        f"\nfor p in ('pinode-aaa', 'pinn-bbb', 'pinode-aaa', '.staging-pinode-ccc-1234'):"
        f"\n    open({str(root)!r} + '/' + p + '/metrics.json').read()"
        f"\nopen({str(tmp_path / 'other.json')!r}).read()"
    )
    env = {**os.environ, make_figures.RUN_LOG_ENV: str(log), make_figures.RUN_LOG_ROOT_ENV: str(root)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    assert log.read_text().split() == ["pinode-aaa", "pinn-bbb"]
    env.pop(make_figures.RUN_LOG_ENV)  # without the variable it does nothing
    log.unlink()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    assert not log.exists()


def _report(total=100.0):
    figs = {
        "fig02_extrapolation": {"wall_seconds": 30.0, "cpu_seconds": 20.0, "ok": True, "runs_used": ["a", "b"]},
        "fig07_work_precision": {"wall_seconds": 10.0, "cpu_seconds": 9.0, "ok": False, "runs_used": []},
    }
    for f in figs.values():
        f["share_of_total"] = f["wall_seconds"] / total
    return {
        "command": "make figures PRESET=smoke",
        "started": "2026-01-01T00:00:00Z",
        "wall_seconds": total,
        "training": {"wall_seconds": 60.0, "cpu_seconds": 100.0, "n_runs": 3, "n_trained": 2, "workers": 2}
        | {"scheduler": None, "train_seconds_trained": 90.0},
        "runs": {"a": {"train_seconds": 50.0, "trained_now": True}, "b": {"train_seconds": 40.0, "trained_now": True}},
        "figures": figs,
        "machine": {"cpu_model": "Some CPU", "usable_cores": 2, "cores": 2},
        "git": {"commit": "0123456789abcdef", "dirty": False},
        "caches_at_start": {"empty": True, "finished_runs": 0},
        "load_avg_start": [1.5, 1, 1],
        "load_avg_end": [2.5, 2, 2],
    }


def test_timing_table():
    t = timing_table.render(_report())
    lines = t.splitlines()
    assert lines[2] == "| train every run (2 workers) | 60 s | 60.0 % | 100 s | 2 trained, 1 cached; 90 s of training |"
    assert "| fig02_extrapolation | 30 s | 30.0 % | 20 s | 2 |" in lines
    assert "| fig07_work_precision **failed** | 10 s | 10.0 % | 9 s | 0 |" in lines
    assert "| **end to end** | **100 s** | 100 % | | |" in lines
    assert "at 0123456, " in t and "Some CPU, 2 of 2 cores, load average 1.5 at the start and 2.5 at the end" in t
    assert timing_table._min_s(754) == "12 min 34 s"
    assert "50 s  a" in timing_table.slowest_runs(_report())


@pytest.mark.parametrize("argv", [["--preset", "large"], ["--jobs", "0"], ["--scheduler", "localhost"], ["--only", "fig99"]])
def test_bad_arguments_fail_before_any_work(argv, capsys):
    with pytest.raises(SystemExit) as e:
        make_figures.main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert any(w in err for w in ("--preset", "--jobs", "--scheduler", "--only")), err


def test_executed_notebook_is_reused_only_for_its_source(tmp_path, monkeypatch):
    "tests/test_notebooks.py's executed copy carries the outputs and its source's hash; docs/conf.py takes it only then."
    monkeypatch.syspath_prepend(str(ROOT / "tests"))
    import test_notebooks as tn

    nb = ROOT / "nbs" / "index.ipynb"
    ok, processed, seconds = tn.run_notebook(nb, ["slow", "bench"], [])
    assert ok and processed is not None
    monkeypatch.setattr(tn, "EXECUTED", tmp_path)  # test_notebooks.py itself writes to docs/_build/executed
    dest = tn.write_executed(nb, processed, seconds, [])
    assert dest == tmp_path / "nbs" / "index.ipynb"
    out, src = json.loads(dest.read_text()), json.loads(nb.read_text())
    assert [c.get("id") for c in out["cells"]] == [c.get("id") for c in src["cells"]]
    assert any(c.get("outputs") for c in out["cells"] if c["cell_type"] == "code")
    conf = ROOT / "docs" / "conf.py"
    check = (  # docs/conf.py in a process of its own (it sets environment variables as it loads)
        f"import pathlib; ns = {{'__file__': {str(conf)!r}}}; exec(compile(open(ns['__file__']).read(), ns['__file__'], 'exec'), ns); "
        f"src = pathlib.Path({str(nb)!r}).read_bytes(); f = ns['executed_copy']; "
        "print(f('nbs/index', src) is not None, f('nbs/index', src + b' ') is not None)"
    )
    env = {**os.environ, "PINODE_SR_EXECUTED": str(tmp_path)}
    r = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["True", "False"], r.stdout + r.stderr


def test_only_trains_what_those_figures_load(monkeypatch):
    "`--only fig02_extrapolation` sweeps the paper grid and nothing of the beyond figures."
    import pinode_sr.sweep as sweep_mod

    seen = []

    def fake_sweep(cfgs, **kw):
        seen.extend(make_figures.folder_name(c) for c in cfgs)
        return [{"type": "pinode", "hash": "h", "from_cache": True, "worker": "w", "seconds": 0.0} for _ in cfgs]

    monkeypatch.setattr(sweep_mod, "sweep", fake_sweep)
    out = make_figures.train_all("smoke", 1, None, {}, False, only=["fig02_extrapolation"])
    grid = {make_figures.folder_name(c) for c in make_figures.figure_configs("smoke")["fig02_extrapolation"]}
    assert set(seen) == grid and set(out["need"]) == {"fig02_extrapolation"}
