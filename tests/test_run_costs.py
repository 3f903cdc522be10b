"""tools/run_costs.py: the bounded copies it times, what it counts, and the table it renders."""

import dataclasses
import sys
import time
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import run_costs  # noqa: E402

from pinode_sr.partial import partial_config  # noqa: E402
from pinode_sr.pinn import PINNConfig  # noqa: E402
from pinode_sr.training import preset  # noqa: E402

torch.set_num_threads(1)


def test_bounded_cuts_only_the_phases():
    cfg = preset("paper")
    b = run_costs.bounded(cfg, 7, 3, None)
    assert (b.phys_iters, b.joint_iters, b.eval_every, b.checkpoint_every, b.log_every) == (7, 3, 0, 0, 1)
    same = dict(phys_iters=7, joint_iters=3, eval_every=0, checkpoint_every=0, log_every=1)
    assert b == dataclasses.replace(cfg, **same)  # nothing else changes
    assert run_costs.bounded(cfg, 7, 3, "compiled").kernel == "compiled"
    v = run_costs.bounded(preset("vanilla"), 7, 3, None)
    assert (v.joint_iters, run_costs.full_iterations(preset("vanilla"))) == (3, {"joint": 12_000})
    p = partial_config("identify_1", "smoke")
    bp = run_costs.bounded(p, 5, 2, None)
    assert (bp.base.phys_iters, bp.base.joint_iters, bp.learn) == (5, 2, p.learn)
    pinn = PINNConfig()
    assert run_costs.bounded(pinn, 9, 2, None).iters == 9 and run_costs.full_iterations(pinn) == {"adam": pinn.iters}
    assert run_costs.full_iterations(cfg) == {"physics": 10_000, "joint": 1000}


def test_compiled_allowed_and_labels():
    assert run_costs.compiled_allowed(preset("paper")) and run_costs.compiled_allowed(preset("vanilla"))
    assert not run_costs.compiled_allowed(preset("paper", method="rk4"))
    assert not run_costs.compiled_allowed(preset("paper", gradient="backsolve"))
    assert not run_costs.compiled_allowed(PINNConfig())
    names = run_costs.labels("smoke")
    from make_figures import folder_name

    assert names[folder_name(preset("smoke"))].startswith("table 1 pinode_sr")


def test_time_run_counts_every_iteration_in_cpu_seconds():
    cfg = preset("smoke", seeds=(0,), t_eval_end=20.0)
    t = run_costs.time_run(cfg, 6, 4)
    assert {k: len(v) for k, v in t["ms"].items()} == {"physics": 5, "joint": 3}  # the gaps between logged iterations
    assert all(x > 0 for v in t["ms"].values() for x in v) and t["other_s"] >= 0
    import pinode_sr.loop as loop

    assert loop.time is time  # the loop's clock is given back


def _rec(run, kernel, ms, its):
    return {
        "run": run, "label": run, "figures": ["fig05_ablations"], "config": "", "kernel": kernel, "kernel_used": kernel,
        "iterations": its, "ms_per_iteration": ms, "other_s": 0.0, "repeats": 1,
        "projected_iteration_s": sum(its[k] * ms[k] / 1e3 for k in its),
    }  # fmt: skip


def test_table_totals_and_ratios():
    res = [
        _rec("a", "auto", {"joint": 10.0}, {"joint": 10_000}),  # 100 s
        _rec("a", "compiled", {"joint": 4.0}, {"joint": 10_000}),  # 40 s
        _rec("b", "auto", {"physics": 5.0, "joint": 50.0}, {"physics": 8000, "joint": 200}),  # 50 s, not compiled
    ]
    t = run_costs.table(res)
    rows = t.splitlines()
    assert rows[2].startswith("| a |") and "| 100 | 66.7 % | 4.0 | 40 | 2.50× |" in rows[2]
    assert rows[3].startswith("| b |") and "| 5.0 / 50.0 | 50 | 33.3 % | — | — | — |" in rows[3]
    assert "**150** (2.5 min)" in rows[-1] and "**90** (1.5 min)" in rows[-1] and "1.67×" in rows[-1]
    fused = [dict(r, kernel="fused") if r["kernel"] == "auto" and r["run"] == "a" else r for r in res]
    assert run_costs.table(fused).splitlines()[-1] == rows[-1]  # "fused" is the baseline where "auto" is not timed


@pytest.mark.parametrize("ph", [("physics", "joint"), ("joint",)])
def test_recorded_reads_a_run_log(tmp_path, ph):
    import json

    log = {"phase_iterations": {p: 10 for p in reversed(ph)}, "phase_seconds": {p: 2.0 for p in reversed(ph)}}
    (tmp_path / "log.json").write_text(json.dumps(log))
    rec = run_costs.recorded(tmp_path)
    assert list(rec) == list(ph) and rec[ph[0]] == [10, 2.0]
    assert run_costs._recorded(rec) == " / ".join(["200.0"] * len(ph)) + f" ({2 * len(ph):.0f})"
    assert run_costs.recorded(tmp_path / "nothing") is None
