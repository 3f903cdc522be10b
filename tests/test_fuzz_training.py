"""Hostile input for the training modules' entry points (issue 32): models, loop, training, PINN.

Every bad argument fails at validation with a ValueError or TypeError naming the argument, within 2 s (no
training, no integration): `load_model`/`load_pinn_model` with anything but a run of this very config, `evaluate`/
`evaluate_pinn` with a wrong model, problem or horizon, a λ that overflows, a non-integer seed, and configs whose
memory, every field within its cap, exceeds the machine's. The TrainConfig/PINNConfig field cases of
tests/test_fuzz.py are not repeated here. Besides the table: the memory estimate is measured against the real
peak of small runs, and a run in which the NaN guard froze every member fails instead of finishing.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest
import torch
from fuzzlib import expect_clear_error

from pinode_sr.core import config_dict, config_hash
from pinode_sr.loop import AllMembersFrozen, Phase, check_memory, memory_limit
from pinode_sr.models import EnsembleMLP, StackedMLP
from pinode_sr.pinn import EnsembleTimeMLP, PINNProblem, evaluate_pinn, load_or_train_pinn, load_pinn_model, pinn_preset
from pinode_sr.pinn import train_pinn
from pinode_sr.runs import RunFolder
from pinode_sr.training import Problem, evaluate, load_model, load_or_train, preset, train

NAN, INF = float("nan"), float("inf")
SMOKE = preset("smoke", seeds=(0,))
PSMOKE = pinn_preset("smoke", seeds=(0,), collocation="horizon")
PROB = Problem(SMOKE)  # dataset and reference from the cache: built once, outside the timed cases
PPROB = PINNProblem(PSMOKE)
MODEL = PROB.model()
PMODEL = PPROB.model()
ONES = [1.0] * 4


def _run(cfg, model, **over):
    "A run dict as train/load_or_train return it: the weights and the config they were trained under."
    sd = {k: v.clone() for k, v in model.state_dict().items()}
    return {
        "state_dict": sd,
        "config": {"hash": config_hash(cfg), "type": type(cfg).__name__, "config": config_dict(cfg)},
        **over,
    }


def _nan_run():
    r = _run(SMOKE, MODEL)
    r["state_dict"]["Ws.1"][0, 0, 0] = NAN
    return r


def _no_config(model):
    return {"state_dict": model.state_dict()}


HUGE = dict(seeds=tuple(range(1024)), width=4096)  # every field within its cap
COPIES = dict(seeds=tuple(range(1024)), n_copies=1000)

CASES = [
    # λ that overflows the loss (inf·0, NaN gradients, every member frozen): refused with its range
    ("TrainConfig lam 1e300", lambda: preset("smoke", lam=1e300), "lam"),
    ("TrainConfig lam_end 1e300", lambda: preset("smoke", lam_end=1e300), "lam_end"),
    ("TrainConfig lam 1e7", lambda: preset("smoke", lam=1e7), "lam"),
    ("PINNConfig lam 1e300", lambda: pinn_preset("smoke", lam=1e300), "lam"),
    ("Phase lam 1e300", lambda: Phase("p", 1, (1e-3, 1e-3), (1e300, 1e300)), "lam"),
    # load_model
    ("load_model cfg dict", lambda: load_model(config_dict(SMOKE), _run(SMOKE, MODEL)), "cfg"),
    ("load_model cfg None", lambda: load_model(None, _run(SMOKE, MODEL)), "cfg"),
    ("load_model cfg preset name", lambda: load_model("smoke", _run(SMOKE, MODEL)), "cfg"),
    ("load_model cfg PINNConfig", lambda: load_model(PSMOKE, _run(SMOKE, MODEL)), "cfg"),
    ("load_model run None", lambda: load_model(SMOKE, None), "run"),
    ("load_model run state_dict", lambda: load_model(SMOKE, MODEL.state_dict()), "run"),
    ("load_model run without weights", lambda: load_model(SMOKE, {"state_dict": None}), "run"),
    ("load_model run str", lambda: load_model(SMOKE, "runs/abc"), "run"),
    ("load_model run of another lam", lambda: load_model(preset("smoke", seeds=(0,), lam=100.0), _run(SMOKE, MODEL)), "lam"),
    ("load_model run of another width", lambda: load_model(SMOKE, _run(preset("smoke", seeds=(0,), width=32), MODEL)), "width"),
    ("load_model run of another K", lambda: load_model(preset("smoke"), _run(SMOKE, MODEL)), "seeds"),
    (
        "load_model run of another data",
        lambda: load_model(SMOKE, _run(preset("smoke", seeds=(0,), data=SMOKE.data.__class__(noise=0.05)), MODEL)),
        "data.noise",
    ),
    ("load_model weights of another width", lambda: load_model(preset("smoke", seeds=(0,), width=32), _no_config(MODEL)), "run"),
    ("load_model weights of another K", lambda: load_model(preset("smoke"), _no_config(MODEL)), "run"),
    ("load_model weights of another depth", lambda: load_model(preset("smoke", seeds=(0,), depth=3), _no_config(MODEL)), "run"),
    ("load_model NaN weights", lambda: load_model(SMOKE, _nan_run()), "run"),
    ("load_model PINN run", lambda: load_model(SMOKE, _run(PSMOKE, PMODEL)), "run"),
    ("load_model foreign hash", lambda: load_model(SMOKE, {**_no_config(MODEL), "metrics": {"hash": "0123456789ab"}}), "run"),
    # load_pinn_model
    ("load_pinn_model cfg str", lambda: load_pinn_model("smoke", _run(PSMOKE, PMODEL)), "cfg"),
    ("load_pinn_model cfg TrainConfig", lambda: load_pinn_model(SMOKE, _run(PSMOKE, PMODEL)), "cfg"),
    ("load_pinn_model run None", lambda: load_pinn_model(PSMOKE, None), "run"),
    (
        "load_pinn_model run of another lam",
        lambda: load_pinn_model(pinn_preset("smoke", seeds=(0,), collocation="horizon", lam=3.0), _run(PSMOKE, PMODEL)),
        "lam",
    ),
    (
        "load_pinn_model weights of another fourier",
        lambda: load_pinn_model(pinn_preset("smoke", seeds=(0,), fourier=4), _no_config(PMODEL)),
        "run",
    ),
    ("load_pinn_model node run", lambda: load_pinn_model(PSMOKE, _run(SMOKE, MODEL)), "run"),
    # evaluate
    ("evaluate model None", lambda: evaluate(None, PROB), "model"),
    ("evaluate model PINN", lambda: evaluate(PMODEL, PROB), "model"),
    ("evaluate model other D", lambda: evaluate(EnsembleMLP([0.0] * 3, [1.0] * 3, [1.0] * 3), PROB), "model"),
    ("evaluate model float64", lambda: evaluate(EnsembleMLP([0.0] * 4, ONES, ONES, dtype="float64"), PROB), "model"),
    ("evaluate prob None", lambda: evaluate(MODEL, None), "prob"),
    ("evaluate prob config", lambda: evaluate(MODEL, SMOKE), "prob"),
    ("evaluate prob PINN", lambda: evaluate(MODEL, PPROB), "prob"),
    ("evaluate t_end nan", lambda: evaluate(MODEL, PROB, NAN), "t_end"),
    ("evaluate t_end inf", lambda: evaluate(MODEL, PROB, INF), "t_end"),
    ("evaluate t_end too long", lambda: evaluate(MODEL, PROB, 1e9), "t_end"),
    ("evaluate t_end 0", lambda: evaluate(MODEL, PROB, 0.0), "t_end"),
    ("evaluate t_end negative", lambda: evaluate(MODEL, PROB, -60.0), "t_end"),
    ("evaluate t_end str", lambda: evaluate(MODEL, PROB, "60"), "t_end"),
    ("evaluate t_end bool", lambda: evaluate(MODEL, PROB, True), "t_end"),
    ("evaluate t_end off grid", lambda: evaluate(MODEL, PROB, 60.02), "t_end"),
    ("evaluate_pinn model node", lambda: evaluate_pinn(MODEL, PPROB), "model"),
    ("evaluate_pinn prob node", lambda: evaluate_pinn(PMODEL, PROB), "prob"),
    ("evaluate_pinn t_end nan", lambda: evaluate_pinn(PMODEL, PPROB, NAN), "t_end"),
    ("evaluate_pinn t_end too long", lambda: evaluate_pinn(PMODEL, PPROB, 1e9), "t_end"),
    ("evaluate_pinn t_end off grid", lambda: evaluate_pinn(PMODEL, PPROB, 60.01), "t_end"),
    # models: non-integer seeds, sizes
    ("EnsembleMLP seed 1.5", lambda: EnsembleMLP([0.0] * 4, ONES, ONES, seeds=(0, 1.5)), "seeds"),
    ("EnsembleMLP seed -1", lambda: EnsembleMLP([0.0] * 4, ONES, ONES, seeds=(-1,)), "seeds"),
    ("EnsembleMLP seeds str", lambda: EnsembleMLP([0.0] * 4, ONES, ONES, seeds="01"), "seeds"),
    ("EnsembleMLP seeds int", lambda: EnsembleMLP([0.0] * 4, ONES, ONES, seeds=3), "seeds"),
    ("EnsembleMLP seeds bool", lambda: EnsembleMLP([0.0] * 4, ONES, ONES, seeds=(True,)), "seeds"),
    ("EnsembleMLP width bool", lambda: EnsembleMLP([0.0] * 4, ONES, ONES, width=True), "width"),
    ("EnsembleMLP width float", lambda: EnsembleMLP([0.0] * 4, ONES, ONES, width=64.0), "width"),
    ("EnsembleMLP depth -1", lambda: EnsembleMLP([0.0] * 4, ONES, ONES, depth=-1), "depth"),
    ("EnsembleMLP huge", lambda: EnsembleMLP([0.0] * 4, ONES, ONES, seeds=range(1024), width=100_000), "width"),
    ("StackedMLP n_in 0", lambda: StackedMLP(0, 1), "n_in"),
    ("StackedMLP n_out float", lambda: StackedMLP(1, 1.0), "n_out"),
    ("EnsembleTimeMLP seed 1.5", lambda: EnsembleTimeMLP([0.0] * 4, ONES, (0.0, 15.0), seeds=(1.5,)), "seeds"),
    ("EnsembleTimeMLP t_span nan", lambda: EnsembleTimeMLP([0.0] * 4, ONES, (0.0, NAN)), "t_span"),
    ("EnsembleTimeMLP t_span str", lambda: EnsembleTimeMLP([0.0] * 4, ONES, "0-15"), "t_span"),
    ("EnsembleTimeMLP fourier -1", lambda: EnsembleTimeMLP([0.0] * 4, ONES, (0.0, 15.0), fourier=-1), "fourier"),
    (
        "EnsembleTimeMLP fourier_max 0",
        lambda: EnsembleTimeMLP([0.0] * 4, ONES, (0.0, 15.0), fourier=2, fourier_max=0.0),
        "fourier_max",
    ),
    # memory: every field within its cap, their product not
    ("train 1024 seeds x width 4096", lambda: train(preset("paper", **HUGE)), "width"),
    ("train 1024 seeds x 1000 copies", lambda: train(preset("paper", **COPIES)), "n_copies"),
    ("train 1024 seeds x 1000 copies names seeds", lambda: train(preset("paper", **COPIES)), "seeds (K=1024)"),
    ("train box points", lambda: train(preset("paper", seeds=tuple(range(1024)), box_points=100_000)), "box_points"),
    ("load_or_train 1024 x 4096", lambda: load_or_train(preset("paper", **HUGE), root="/tmp/never-written"), "width"),
    ("train_pinn 1024 x 4096", lambda: train_pinn(pinn_preset("paper", **HUGE)), "width"),
    ("train_pinn n_col", lambda: train_pinn(pinn_preset("paper", seeds=tuple(range(1024)), n_col=1_000_000)), "n_col"),
    (
        "load_or_train_pinn 1024 x 4096",
        lambda: load_or_train_pinn(pinn_preset("paper", **HUGE), root="/tmp/never-written"),
        "width",
    ),
    ("check_memory limit str", lambda: check_memory({"a": 1}, "x", limit="lots"), "limit"),
    ("check_memory limit 0", lambda: check_memory({"a": 1}, "x", limit=0), "limit"),
    ("memory_limit limit nan", lambda: memory_limit(limit=NAN), "limit"),
]


@pytest.mark.parametrize("label,fn,arg", CASES, ids=[c[0] for c in CASES])
def test_bad_input_fails_clearly(label, fn, arg):
    "Each bad input raises ValueError/TypeError naming the argument, within 2 s (no training, no integration)."
    expect_clear_error(label, fn, arg)


def test_memory_env_override(monkeypatch):
    "PINODE_SR_MEMORY_LIMIT overrides the limit both ways; a garbled value names the variable."
    monkeypatch.setenv("PINODE_SR_MEMORY_LIMIT", "1M")
    expect_clear_error("smoke under 1 MiB", lambda: train(preset("smoke")), "PINODE_SR_MEMORY_LIMIT")
    monkeypatch.setenv("PINODE_SR_MEMORY_LIMIT", "a lot")
    expect_clear_error("garbled env", lambda: train(preset("smoke")), "PINODE_SR_MEMORY_LIMIT")
    monkeypatch.setenv("PINODE_SR_MEMORY_LIMIT", "none")
    assert memory_limit() is None
    monkeypatch.delenv("PINODE_SR_MEMORY_LIMIT")
    assert memory_limit() > 2**20


def test_paper_config_hashes_unchanged():
    "Validation adds checks only: the paper presets' run folders keep their names."
    assert config_hash(preset("paper")) == "01319dfa7b10"
    assert config_hash(preset("smoke")) == "9bf2b1327239"
    assert config_hash(preset("vanilla")) == "3dd62d24d670"
    assert config_hash(pinn_preset("paper")) == "5e52764a93e5"


# ---------------------------------------------------------------------------------------------------------------
# The memory estimate against the real peak
_MEASURE = textwrap.dedent("""
    import json, sys, warnings
    warnings.simplefilter("ignore")
    from pinode_sr.loop import TrainingInterrupted
    from pinode_sr.pinn import PINNProblem, pinn_memory_estimate, pinn_preset, train_pinn
    from pinode_sr.training import Problem, memory_estimate, preset, train
    kind, kw = sys.argv[1], json.loads(sys.argv[2])
    kw = {k: tuple(v) if k == "seeds" else v for k, v in kw.items()}
    if kind == "node":
        cfg = preset("smoke", cycle_every=0, cycle_every_joint=0, eval_every=0, **kw)
        prob, fn, est, warm = Problem(cfg), train, memory_estimate(cfg), preset("smoke", seeds=(0,), phys_iters=2, joint_iters=1, eval_every=0, cycle_every=0, cycle_every_joint=0)
    else:
        cfg = pinn_preset("smoke", eval_every=0, **kw)
        prob, fn, est, warm = PINNProblem(cfg), train_pinn, pinn_memory_estimate(cfg), pinn_preset("smoke", seeds=(0,), iters=2, eval_every=0)
    prob.reference(cfg.t_eval_end)  # the dataset and reference are cached before the measurement
    del prob
    fn(warm, progress=False)  # first-use allocations (numba, torch) before the baseline
    def peak_rss():  # the high-water mark of resident memory since the last reset, bytes
        return 1024 * int(next(x for x in open("/proc/self/status") if x.startswith("VmHWM:")).split()[1])
    # The window's own peak: the mark is reset to the current resident size here, so a higher peak before the
    # window (the Rodas5P kernel's first compile, ~0.8 GB, when numba's cache is cold) does not count.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    base = peak_rss()
    try:
        fn(cfg, progress=False, max_iterations=2)
    except TrainingInterrupted:
        pass
    print(json.dumps({"used": peak_rss() - base, "estimate": sum(est.values())}))
""")


@pytest.mark.parametrize(
    "kind,kw",
    [
        ("node", dict(seeds=[0, 1, 2, 3], n_copies=200, schedule="joint", joint_iters=5)),  # residual points dominate
        ("node", dict(seeds=list(range(8)), width=512, collocation="observed", schedule="joint", joint_iters=5, dt=0.1)),
        ("pinn", dict(seeds=[0, 1, 2, 3], n_col=8000)),
    ],
    ids=["node residual", "node weights and rollout", "pinn collocation"],
)
def test_memory_estimate_is_within_3x_of_the_peak(kind, kw):
    "The estimate of a run of a few hundred MiB is within 3x of the peak resident memory it adds (measured in a fresh process)."
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, kind, json.dumps(kw)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    m = json.loads(out.stdout.strip().splitlines()[-1])
    assert m["used"] > 50 * 2**20, m  # large enough that the allocations, not the noise, are measured
    assert 1 / 3 <= m["estimate"] / m["used"] <= 3, m


# ---------------------------------------------------------------------------------------------------------------
# A run in which every member froze
TINY = preset("smoke", phys_iters=5, joint_iters=2, eval_every=0, cycle_every=0, cycle_every_joint=0, t_eval_end=60.0)


def test_all_frozen_run_fails_clearly(monkeypatch, tmp_path):
    "Every member's physics target NaN from the 3rd iteration: train raises AllMembersFrozen, load_or_train saves nothing."
    orig, calls = Problem.true_field, [0]

    def poisoned(self, pts):
        calls[0] += 1
        out = orig(self, pts)
        return out * NAN if calls[0] > 2 else out

    monkeypatch.setattr(Problem, "true_field", poisoned)
    with pytest.raises(
        AllMembersFrozen, match=r"every member was frozen by the NaN guard \(seed 0 at iteration 2, seed 1 at iteration 2"
    ):
        train(TINY, progress=False)
    calls[0] = 0
    with pytest.raises(AllMembersFrozen):
        load_or_train(TINY, root=tmp_path, progress=False)
    assert not RunFolder(TINY, tmp_path, "pinode").done  # not a finished run


def test_one_member_left_still_finishes(monkeypatch):
    "The NaN guard itself is unchanged: with one member left the run finishes and reports the frozen one."
    orig, calls = Problem.true_field, [0]

    def poisoned(self, pts):
        calls[0] += 1
        out = orig(self, pts)
        if calls[0] > 2:
            out[1] = NAN
        return out

    monkeypatch.setattr(Problem, "true_field", poisoned)
    run = train(TINY, progress=False)
    assert [(e["seed"], e["iteration"]) for e in run["metrics"]["nan"]] == [(1, 2)]


def test_load_model_refuses_a_run_of_another_config(tmp_path):
    "A real run (from load_or_train and from train) loads under its config and is refused under another lam, naming it."
    cfg = preset(
        "smoke", seeds=(0,), phys_iters=3, joint_iters=1, eval_every=0, cycle_every=0, cycle_every_joint=0, t_eval_end=60.0
    )
    for run in (load_or_train(cfg, root=tmp_path, progress=False), train(cfg, progress=False)):
        model = load_model(cfg, run)
        assert torch.equal(model.Ws[0].detach(), run["state_dict"]["Ws.0"])
        other = preset(
            "smoke",
            **{
                **{k: getattr(cfg, k) for k in ("seeds", "phys_iters", "joint_iters", "eval_every")},
                "cycle_every": 0,
                "cycle_every_joint": 0,
                "t_eval_end": 60.0,
                "lam": 100.0,
            },
        )
        with pytest.raises(ValueError, match=r"lam \(run: 10.0, cfg: 100.0\)"):
            load_model(other, run)
