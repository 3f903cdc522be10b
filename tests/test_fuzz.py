"""Hostile input for the public API, damaged caches and run folders, and two processes on one run.

Issue 15, "nothing lost, nothing silent": every bad argument of a public function fails at validation with a
ValueError or TypeError whose message names the argument (no training, no integration: each case runs under a
2 s guard); every kind of damage to a reference entry, a run folder or a checkpoint is detected (an error naming
the file and the way out) or recomputed (a warning naming the file); two processes on one config leave one valid
folder whatever step of the write path is slowed down.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import torch
from fuzzlib import expect_clear_error

import pinode_sr
from pinode_sr.core import CorruptFile
from pinode_sr.dataset import DatasetConfig
from pinode_sr.gradients import rollout_model, rollout_nograd
from pinode_sr.hh import HodgkinHuxley
from pinode_sr.loop import Phase, TrainingInterrupted, clip_per_member, fit
from pinode_sr.models import EnsembleMLP
from pinode_sr.pinn import pinn_preset
from pinode_sr.reference import reference_trajectory, solve_reference
from pinode_sr.runs import RunFolder, load_or_run
from pinode_sr.training import load_or_train, preset, train
import importlib
from pinode_sr import ablations, paper

sweep_mod = importlib.import_module("pinode_sr.sweep")  # the module; importing it rebinds the attribute pinode_sr.sweep to it,
SWEEP = sweep_mod.sweep  # so the public function is taken from the module

NAN, INF = float("nan"), float("inf")
HH = HodgkinHuxley()
X0 = HH.default_x0()
SMOKE = preset("smoke", seeds=(0,))
PSMOKE = pinn_preset("smoke", seeds=(0,))
MODEL = EnsembleMLP([0.0] * 4, [1.0] * 4, [1.0] * 4, seeds=[0, 1], width=8, dtype="float64")
T_OBS = np.arange(0, 11) * 0.1


def _grad_params():
    w = torch.zeros(2, 3, requires_grad=True)
    w.grad = torch.ones(2, 3)
    return [w]


# ---------------------------------------------------------------------------------------------------------------
# The table: (id, call, the argument name its message must contain)
CASES = []


def case(label, arg):
    def add(fn):
        CASES.append((label, fn, arg))
        return fn

    return add


def bad_fields(prefix, build, table):
    "One case per (field, bad value): build(**{field: value}) must name the field."
    for field, values in table.items():
        for v in values:
            CASES.append((f"{prefix}.{field}={v!r}"[:80], (lambda f=field, v=v: build(**{f: v})), field))


_NUM = [NAN, INF, "1", True, None]  # what no number field accepts
_INT = [1.5, True, "10", None, -1]  # what no count accepts (every count here is >= 0)

bad_fields(
    "TrainConfig",
    lambda **kw: preset("smoke", **kw),
    {
        "seeds": ["10", [0, 1], (), (0, 0), (-1,), (0.5,), (True,)],
        "width": [0, 2.5, True, "64", 10**6],
        "depth": [0, 1.0, False, 1000],
        "activation": ["relu", 3, None],
        "output_scale": [1, "yes", None],
        "dtype": ["float16", torch.float32],
        "method": ["heun2", None, 1],
        "dt": [0.0, -0.05, NAN, "0.05", True, 0.03],
        "rtol": [0.0, -1.0, NAN, 2.0, "1e-4"],
        "atol": [0.0, INF, "x"],
        "max_num_steps": [0, 1.5, True, 10**9],
        "gradient": ["adjoint", 0],
        "kernel": ["numba", None],
        "lam": [NAN, -1.0, "10", INF, True],
        "lam_end": [NAN, -1.0, "1", 0.0],
        "residual_scale": ["sr", None],
        "data_norm": ["l2"],
        "collocation": ["random", 1],
        "n_copies": [-1, 1.5, True, 10**6],
        "jitter": [-0.1, NAN, "0.1"],
        "cycle_jitter": [-1.0, INF],
        "cycle_start": [-1, 2.0, None],
        "cycle_every": [-1, 0.5, True],
        "cycle_every_joint": [-5, "250"],
        "cycle_t0": [-1.0, NAN, "10"],
        "cycle_t1": [1e5, NAN, 5.0, "150"],
        "cycle_dt": [0.01, 0.0, NAN, "0.2"],
        "spike_weight": [NAN, -1.0, "0", INF],
        "spike_level": [NAN, "top", INF],
        "schedule": ["cosine", None],
        "phys_iters": [-1, 1.5, True, "10", 10**12],
        "joint_iters": [-1, 2.0, None],
        "lbfgs_iters": [-1, True],
        "lr_phys": [0.0, NAN, -1e-3, "3e-3"],
        "lr_phys_end": [0.0, INF],
        "lr_joint": [-1.0, None],
        "lr_joint_end": [NAN],
        "clip": [0.0, -1.0, NAN, "1"],
        "t_eval_end": [200.0, 10.0, NAN, "60", 60.02],
        "eval_every": [-1, 1.5, True],
        "log_every": [0, -1, 1.5, True],
        "checkpoint_every": [-1, 10.0, None],
        "data": ["hh", None, HH],
    },
)
bad_fields(
    "PINNConfig",
    lambda **kw: pinn_preset("smoke", **kw),
    {
        "seeds": ["10", (0, 0), (-1,), []],
        "width": [0, 1.5, True],
        "depth": [0, "4"],
        "activation": ["relu", 1],
        "fourier": [-1, 1.5, True, 10**6],
        "fourier_max": [0.0, NAN, "1"],
        "dtype": ["float16"],
        "lam": [NAN, -1.0, "1", True, INF],
        "residual_scale": ["sr"],
        "collocation": ["horizn", None],
        "n_col": [0, 1.5, True, 10**9],
        "iters": [-1, 1.5, True, 10**12],
        "lr": [0.0, NAN, "1e-3"],
        "lr_end": [-1.0],
        "clip": [0.0, NAN],
        "lbfgs_iters": [-1, True],
        "t_eval_end": [200.0, 10.0, NAN, "60"],
        "dt_eval": [0.0, 0.07, NAN, 1e-7],
        "eval_every": [-1, True],
        "log_every": [0, 1.5],
        "checkpoint_every": [-1, "100"],
        "data": ["hh"],
    },
)
bad_fields(
    "DatasetConfig",
    lambda **kw: DatasetConfig(**kw),
    {
        "system": ["hh", None, 3],
        "t_train_end": [0.0, NAN, "15", 200.0],
        "dt_obs": [0.0, -0.1, NAN, 0.07, "0.1", True],
        "t_end": [10.0, NAN, INF, "150", 1e8],
        "t_late": [5.0, NAN, 150.0, 200.0],
        "noise": [-0.1, NAN, "0.1", True, 1e3],
        "seed": [-1, 1.5, True, "0"],
        "solver": ["rodas4", None, 1],
        "rtol": [0.0, 2.0, NAN],
        "atol": [-1.0, "1e-10"],
    },
)

# reference solver and cache
for label, kw, arg in [
    ("t_end nan", dict(t_end=NAN), "t_end"),
    ("t_end str", dict(t_end="150"), "t_end"),
    ("t_end <= t0", dict(t_end=-1.0), "t_end"),
    ("dt_out 0", dict(dt_out=0.0), "dt_out"),
    ("dt_out nan", dict(dt_out=NAN), "dt_out"),
    ("dt_out not dividing", dict(t_end=10.0, dt_out=0.3), "dt_out"),
    ("grid too long", dict(t_end=1e9, dt_out=0.01), "t_end"),
    ("x0 complex", dict(x0=X0 + 0j), "x0"),
    ("x0 size", dict(x0=X0[:3]), "x0"),
    ("x0 nan", dict(x0=np.where(np.arange(4) == 1, NAN, X0)), "x0"),
    ("x0 str", dict(x0="rest"), "x0"),
    ("x0 batch", dict(x0=np.stack([X0, X0])), "x0"),
    ("solver", dict(solver="radau"), "solver"),
    ("rtol neg", dict(rtol=-1.0), "rtol"),
    ("atol nan", dict(atol=NAN), "atol"),
    ("cache_dir int", dict(cache_dir=3), "cache_dir"),
    ("t0 nan", dict(t0=NAN), "t0"),
]:
    CASES.append(
        (
            f"reference_trajectory {label}",
            (lambda kw=kw: reference_trajectory(HH, **{"t_end": 10.0, "cache_dir": False, **kw})),
            arg,
        )
    )
CASES.append(("reference_trajectory model", lambda: reference_trajectory("hh"), "model"))
for label, args, kw, arg in [
    ("model", ("hh", (0, 1), [0.5]), {}, "model"),
    ("solver", (HH, (0, 1), [0.5]), dict(solver="rk4"), "solver"),
    ("backend", (HH, (0, 1), [0.5]), dict(backend="gpu"), "backend"),
    ("rtol", (HH, (0, 1), [0.5]), dict(rtol=-1.0), "rtol"),
    ("atol", (HH, (0, 1), [0.5]), dict(atol="1"), "atol"),
    ("t_span nan", (HH, (0, NAN), [0.5]), {}, "t_span"),
    ("t_span reversed", (HH, (1, 0), [0.5]), {}, "t_span"),
    ("t_span str", (HH, "0-1", [0.5]), {}, "t_span"),
    ("t_eval outside", (HH, (0, 1), [2.0]), {}, "t_eval"),
    ("t_eval nan", (HH, (0, 1), [NAN]), {}, "t_eval"),
    ("t_eval decreasing", (HH, (0, 1), [0.5, 0.2]), {}, "t_eval"),
    ("x0 complex", (HH, (0, 1), [0.5], X0 + 1j), {}, "x0"),
    ("x0 size", (HH, (0, 1), [0.5], X0[:2]), {}, "x0"),
    ("x0 nan", (HH, (0, 1), [0.5], X0 * NAN), {}, "x0"),
]:
    CASES.append((f"solve_reference {label}", (lambda a=args, kw=kw: solve_reference(*a, **kw)), arg))
for label, kw, arg in [
    ("rtol<0", dict(rtol=-1.0), "rtol"),
    ("atol nan", dict(atol=NAN), "atol"),
    ("method", dict(method="RK45"), "method"),
    ("x0 size", dict(x0=X0[:2]), "x0"),
    ("x0 complex", dict(x0=X0 + 1j), "x0"),
    ("x0 nan", dict(x0=X0 * NAN), "x0"),
]:
    CASES.append((f"solve_scipy {label}", (lambda kw=kw: pinode_sr.solve_scipy(HH, (0, 1), [0.5], **kw)), arg))

# training entry points: all fail before any work
for label, fn, arg in [
    ("train cfg", lambda: train("smoke"), "cfg"),
    ("train folder str", lambda: train(SMOKE, "runs/x"), "folder"),
    ("train folder other config", lambda: train(SMOKE, RunFolder(preset("smoke"), "/tmp/x")), "folder"),
    ("train max_iterations -1", lambda: train(SMOKE, max_iterations=-1), "max_iterations"),
    ("train max_iterations 0", lambda: train(SMOKE, max_iterations=0), "max_iterations"),
    ("train max_iterations 1.5", lambda: train(SMOKE, max_iterations=1.5), "max_iterations"),
    ("train progress", lambda: train(SMOKE, progress="no"), "progress"),
    ("train cache_dir", lambda: train(SMOKE, cache_dir=5), "cache_dir"),
    ("train device", lambda: train(SMOKE, device=0), "device"),
    ("train pinn cfg", lambda: train(PSMOKE), "cfg"),
    ("load_or_train cfg", lambda: load_or_train(None), "cfg"),
    ("load_or_train retrain", lambda: load_or_train(SMOKE, retrain="yes"), "retrain"),
    ("load_or_train root", lambda: load_or_train(SMOKE, root=3), "root"),
    ("load_or_train progress", lambda: load_or_train(SMOKE, progress=1), "progress"),
    ("train_pinn cfg", lambda: pinode_sr.train_pinn(SMOKE), "cfg"),
    ("train_pinn folder", lambda: pinode_sr.train_pinn(PSMOKE, "runs/x"), "folder"),
    ("train_pinn max_iterations", lambda: pinode_sr.train_pinn(PSMOKE, max_iterations=-1), "max_iterations"),
    ("load_or_train_pinn cfg", lambda: pinode_sr.load_or_train_pinn("smoke"), "cfg"),
    ("load_or_train_pinn retrain", lambda: pinode_sr.load_or_train_pinn(PSMOKE, retrain=None), "retrain"),
    ("preset name", lambda: preset("papr"), "preset"),
    ("preset name int", lambda: preset(1), "preset"),
    ("preset unknown field", lambda: preset("smoke", lamda=1.0), "lamda"),
    ("pinn_preset name", lambda: pinn_preset("fast"), "preset"),
    ("single_oscillation cfg", lambda: pinode_sr.single_oscillation("paper"), "cfg"),
    ("single_oscillation cache_dir", lambda: pinode_sr.single_oscillation(DatasetConfig(), cache_dir=3), "cache_dir"),
    ("sweep configs str", lambda: SWEEP("smoke"), "configs"),
    ("sweep configs entry", lambda: SWEEP([SMOKE, 3]), "configs[1]"),
    ("sweep executor", lambda: SWEEP([SMOKE], executor="threads"), "executor"),
    ("sweep n_workers 0", lambda: SWEEP([SMOKE], n_workers=0), "n_workers"),
    ("sweep n_workers bool", lambda: SWEEP([SMOKE], n_workers=True), "n_workers"),
    ("sweep n_workers float", lambda: SWEEP([SMOKE], n_workers=2.0), "n_workers"),
    ("sweep address", lambda: SWEEP([SMOKE], address="tcp://x:1"), "address"),
    ("sweep retrain", lambda: SWEEP([SMOKE], retrain="no"), "retrain"),
    ("sweep progress", lambda: SWEEP([SMOKE], progress=None), "progress"),
    ("sweep root", lambda: SWEEP([SMOKE], root=3), "root"),
]:
    CASES.append((label, fn, arg))

# lower-level functions
for label, fn, arg in [
    ("clip_per_member -1", lambda: clip_per_member(_grad_params(), -1.0), "max_norm"),
    ("clip_per_member 0", lambda: clip_per_member(_grad_params(), 0.0), "max_norm"),
    ("clip_per_member nan", lambda: clip_per_member(_grad_params(), NAN), "max_norm"),
    ("clip_per_member str", lambda: clip_per_member(_grad_params(), "1"), "max_norm"),
    ("clip_per_member no grad", lambda: clip_per_member([torch.zeros(2, 3)], 1.0), "params"),
    ("rollout_nograd n_steps -1", lambda: rollout_nograd(MODEL, X0, 0.01, -1), "n_steps"),
    ("rollout_nograd n_steps float", lambda: rollout_nograd(MODEL, X0, 0.01, 10.0), "n_steps"),
    ("rollout_nograd n_steps huge", lambda: rollout_nograd(MODEL, X0, 0.01, 10**10), "n_steps"),
    ("rollout_nograd save_every 0", lambda: rollout_nograd(MODEL, X0, 0.01, 10, save_every=0), "save_every"),
    ("rollout_nograd dt -1", lambda: rollout_nograd(MODEL, X0, -0.01, 10), "dt"),
    ("rollout_nograd x0 nan", lambda: rollout_nograd(MODEL, X0 * NAN, 0.01, 10), "x0"),
    ("rollout_nograd x0 complex", lambda: rollout_nograd(MODEL, X0 + 1j, 0.01, 10), "x0"),
    ("rollout_nograd x0 size", lambda: rollout_nograd(MODEL, X0[:3], 0.01, 10), "x0"),
    ("rollout_nograd kernel", lambda: rollout_nograd(MODEL, X0, 0.01, 10, kernel="gpu"), "kernel"),
    ("rollout_model x0 size", lambda: rollout_model(MODEL, torch.zeros(3), T_OBS, 0.01), "x0"),
    ("rollout_model x0 members", lambda: rollout_model(MODEL, torch.zeros(5, 4), T_OBS, 0.01), "x0"),
    ("rollout_model x0 nan", lambda: rollout_model(MODEL, torch.full((4,), NAN), T_OBS, 0.01), "x0"),
    ("rollout_model x0 complex", lambda: rollout_model(MODEL, np.zeros(4, complex), T_OBS, 0.01), "x0"),
    ("rollout_model dt", lambda: rollout_model(MODEL, X0, T_OBS, -0.01), "dt"),
    ("rollout_model dt not dividing", lambda: rollout_model(MODEL, X0, T_OBS, 0.03), "dt"),
    ("rollout_model gradient", lambda: rollout_model(MODEL, X0, T_OBS, 0.01, gradient="adjoint"), "gradient"),
    (
        "rollout_model n_checkpoints",
        lambda: rollout_model(MODEL, X0, T_OBS, 0.01, gradient="checkpoint", n_checkpoints=0),
        "n_checkpoints",
    ),
    ("rollout_model t_obs nan", lambda: rollout_model(MODEL, X0, [0.0, NAN], 0.01), "t_obs"),
    ("rollout_model too long", lambda: rollout_model(MODEL, X0, [0.0, 1e6], 0.01), "t_obs"),
    ("fit folder str", lambda: fit(None, [Phase("p", 1, (1.0, 1.0))], folder="runs/x"), "task"),
    ("Phase n", lambda: Phase("p", -1, (1.0, 1.0)), "n"),
    ("Phase n bool", lambda: Phase("p", True, (1.0, 1.0)), "n"),
    ("Phase lr nan", lambda: Phase("p", 1, (NAN, 1.0)), "lr"),
    ("Phase lr str", lambda: Phase("p", 1, "1e-3"), "lr"),
    ("Phase lam", lambda: Phase("p", 1, (1.0, 1.0), (-1.0, 1.0)), "lam"),
    ("Phase data", lambda: Phase("p", 1, (1.0, 1.0), data=1), "data"),
    ("RunFolder cfg", lambda: RunFolder("cfg"), "cfg"),
    ("RunFolder root", lambda: RunFolder(SMOKE, 3), "root"),
    ("RunFolder name", lambda: RunFolder(SMOKE, "/tmp/x", "../up"), "name"),
    ("load_or_run run_fn", lambda: load_or_run(SMOKE, 3, "/tmp/x"), "run_fn"),
    ("load_or_run rerun", lambda: load_or_run(SMOKE, lambda c, f: {}, "/tmp/x", rerun="yes"), "rerun"),
    ("ablation_config group", lambda: ablations.ablation_config("noise", "5 %"), "group"),
    ("ablation_config label", lambda: ablations.ablation_config("noise p", 5), "label"),
    ("ablation_config preset", lambda: ablations.ablation_config("noise p", "5 %", "fast"), "preset"),
    ("ablation_config override", lambda: ablations.ablation_config("noise p", "5 %", seeds="10"), "seeds"),
    ("ablation_grid preset", lambda: ablations.ablation_grid("fast"), "preset"),
    ("paper_configs methods str", lambda: ablations.paper_configs(methods="pinode_sr"), "methods"),
    ("paper_configs methods unknown", lambda: ablations.paper_configs(methods=("pinode",)), "methods"),
    ("paper_configs methods repeated", lambda: ablations.paper_configs(methods=("pinn", "pinn")), "methods"),
    ("run_paper preset", lambda: ablations.run_paper("fast"), "preset"),
    ("run_paper n_workers", lambda: ablations.run_paper("smoke", n_workers=0), "n_workers"),
    ("representative_member rows", lambda: paper.representative_member([]), "rows"),
    ("representative_member key", lambda: paper.representative_member([{"a": 1.0}], "freq_error_pct"), "key"),
    ("representative_member key type", lambda: paper.representative_member([{"a": 1.0}], 3), "key"),
    ("distribution_plot values", lambda: paper.distribution_plot(None, "abc", ["A"]), "values"),
    ("distribution_plot labels", lambda: paper.distribution_plot(None, [[1.0]], ["A", "B"]), "labels"),
    ("distribution_plot colors", lambda: paper.distribution_plot(None, [[1.0]], ["A"], ["r", "g"]), "colors"),
    ("distribution_plot floor", lambda: paper.distribution_plot(None, [[1.0]], ["A"], floor=-1.0), "floor"),
    ("distribution_plot seed", lambda: paper.distribution_plot(None, [[1.0]], ["A"], seed=1.5), "seed"),
    ("distribution_plot log", lambda: paper.distribution_plot(None, [[1.0]], ["A"], log="yes"), "log"),
    ("load_paper_runs preset", lambda: paper.load_paper_runs("fast"), "preset"),
    ("load_paper_runs retrain", lambda: paper.load_paper_runs("smoke", retrain="yes"), "retrain"),
    ("load_paper_runs methods", lambda: paper.load_paper_runs("smoke", methods="pinn"), "methods"),
]:
    CASES.append((label, fn, arg))


@pytest.mark.parametrize("label,fn,arg", CASES, ids=[c[0] for c in CASES])
def test_bad_input_fails_clearly(label, fn, arg):
    "Each bad input raises ValueError/TypeError naming the argument, within 2 s (no training, no integration)."
    expect_clear_error(label, fn, arg)


def test_fuzz_table_is_large():
    assert len(CASES) >= 150, len(CASES)


# ---------------------------------------------------------------------------------------------------------------
# Damage to what is on disk: one test per kind
TINY = preset("smoke", seeds=(0,), phys_iters=5, joint_iters=2, eval_every=0, cycle_every=0, cycle_every_joint=0, t_eval_end=60.0)
OTHER = preset(
    "smoke", seeds=(1,), phys_iters=5, joint_iters=2, eval_every=0, cycle_every=0, cycle_every_joint=0, t_eval_end=60.0
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    "One finished tiny run (and the folder of another config), trained once for the module."
    root = tmp_path_factory.mktemp("runs")
    run = load_or_train(TINY, root=root, progress=False)
    RunFolder(OTHER, root, "pinode").write(state_dict=run["state_dict"], metrics={}, arrays={"t": np.zeros(2)}, log={})
    return root, run


def _npz_rewrite(path, change):
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


RUN_DAMAGE = {
    "truncate model.pt": ("model.pt", lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])),
    "truncate trajectory.npz": ("trajectory.npz", lambda p: p.write_bytes(p.read_bytes()[:100])),
    "garbage metrics.json": ("metrics.json", lambda p: p.write_text("{garbage")),
    "garbage config.json": ("config.json", lambda p: p.write_text("not json at all")),
    "garbage log.json": ("log.json", lambda p: p.write_bytes(os.urandom(64))),
    "garbage .done": (".done", lambda p: p.write_text("{")),
    "delete model.pt": ("model.pt", lambda p: p.unlink()),
    "delete trajectory.npz": ("trajectory.npz", lambda p: p.unlink()),
    "delete metrics.json": ("metrics.json", lambda p: p.unlink()),
    "delete config.json": ("config.json", lambda p: p.unlink()),
    "nan weights": ("model.pt", lambda p: torch.save({k: torch.full_like(v, NAN) for k, v in torch.load(p).items()}, p)),
    "nan trajectory": ("trajectory.npz", lambda p: _npz_rewrite(p, lambda a: a["X"].__setitem__((0, 0, 0), NAN))),
    "missing trajectory array": ("trajectory.npz", lambda p: _npz_rewrite(p, lambda a: a.pop("X"))),
    "foreign config.json": (
        "config.json",
        lambda p: shutil.copy(RunFolder(OTHER, p.parent.parent, "pinode").path / "config.json", p),
    ),
    "foreign folder": (
        ".done",
        lambda p: (shutil.rmtree(p.parent), shutil.copytree(RunFolder(OTHER, p.parent.parent, "pinode").path, p.parent)),
    ),
}


@pytest.mark.parametrize("kind", list(RUN_DAMAGE))
def test_damaged_run_folder_is_reported(kind, trained, tmp_path):
    "A damaged finished run is never loaded: CorruptFile names the file and says how to recover."
    src, run = trained
    root = tmp_path / "runs"
    shutil.copytree(src, root)
    folder = RunFolder(TINY, root, "pinode")
    fname, damage = RUN_DAMAGE[kind]
    damage(folder.path / fname)
    with pytest.raises(CorruptFile) as err:
        load_or_train(TINY, root=root, progress=False)
    msg = str(err.value)
    assert str(folder.path) in msg and "retrain=True" in msg, msg
    with pytest.raises(CorruptFile):
        SWEEP([TINY], root=root, executor="serial", progress=False)  # the sweep does not skip it as finished


def test_damaged_run_folder_recovers_with_retrain(trained, tmp_path):
    src, run = trained
    root = tmp_path / "runs"
    shutil.copytree(src, root)
    folder = RunFolder(TINY, root, "pinode")
    (folder.path / "model.pt").unlink()
    again = load_or_train(TINY, root=root, progress=False, retrain=True)
    assert all(torch.equal(a, b) for a, b in zip(run["state_dict"].values(), again["state_dict"].values()))
    assert load_or_train(TINY, root=root, progress=False)["from_cache"]


@pytest.fixture(scope="module")
def interrupted(trained, tmp_path_factory):
    "A root holding the tiny run's checkpoint after 3 iterations."
    root = tmp_path_factory.mktemp("ckpt")
    with pytest.raises(TrainingInterrupted):
        train(TINY, RunFolder(TINY, root, "pinode"), progress=False, max_iterations=3)
    assert RunFolder(TINY, root, "pinode").checkpoint_path.exists()
    return root


def _flip(p):
    b = bytearray(p.read_bytes())
    b[-10] ^= 0xFF
    p.write_bytes(bytes(b))


CKPT_DAMAGE = {
    "truncate": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "garbage": lambda p: p.write_bytes(os.urandom(256)),
    "flipped byte": _flip,
    "old format": lambda p: torch.save({"model": {}}, p),
}


@pytest.mark.parametrize("kind", list(CKPT_DAMAGE))
def test_damaged_checkpoint_is_reported(kind, interrupted, tmp_path):
    root = tmp_path / "r"
    shutil.copytree(interrupted, root)
    folder = RunFolder(TINY, root, "pinode")
    CKPT_DAMAGE[kind](folder.checkpoint_path)
    with pytest.raises(CorruptFile) as err:
        load_or_train(TINY, root=root, progress=False)
    assert str(folder.checkpoint_path) in str(err.value) and "delete it" in str(err.value), str(err.value)


def test_foreign_checkpoint_is_refused(interrupted, tmp_path):
    "A checkpoint copied under another config's name is not resumed."
    root = tmp_path / "r"
    shutil.copytree(interrupted, root)
    shutil.copy(RunFolder(TINY, root, "pinode").checkpoint_path, RunFolder(OTHER, root, "pinode").checkpoint_path)
    with pytest.raises(CorruptFile, match="belongs to config"):
        load_or_train(OTHER, root=root, progress=False)


def test_deleted_checkpoint_restarts_and_stray_tmp_is_cleaned(trained, interrupted, tmp_path):
    "Without its checkpoint a run starts over (same result); load_or_train removes stray *.tmp of a crashed checkpoint write."
    root = tmp_path / "r"
    shutil.copytree(interrupted, root)
    folder = RunFolder(TINY, root, "pinode")
    stray = root / f".{folder.checkpoint_path.name}.abc123.tmp"
    stray.write_bytes(b"half a checkpoint")
    resumed = load_or_train(TINY, root=root, progress=False)  # resumes from iteration 3
    assert not stray.exists()
    assert all(torch.equal(a, b) for a, b in zip(trained[1]["state_dict"].values(), resumed["state_dict"].values()))
    root2 = tmp_path / "r2"
    shutil.copytree(interrupted, root2)
    RunFolder(TINY, root2, "pinode").checkpoint_path.unlink()
    fresh = load_or_train(TINY, root=root2, progress=False)
    assert all(torch.equal(a, b) for a, b in zip(trained[1]["state_dict"].values(), fresh["state_dict"].values()))


def _ref_json_garbage(js, npz, other):
    js.write_text("{not json")


def _ref_npz_nan(js, npz, other):
    _npz_rewrite(npz, lambda a: a["X"].__setitem__((3, 0), NAN))


REF_DAMAGE = {
    "truncate npz": lambda js, npz, other: npz.write_bytes(npz.read_bytes()[:300]),
    "garbage npz": lambda js, npz, other: npz.write_bytes(os.urandom(300)),
    "garbage json": _ref_json_garbage,
    "delete npz": lambda js, npz, other: npz.unlink(),
    "delete json": lambda js, npz, other: js.unlink(),
    "nan": _ref_npz_nan,
    "missing array": lambda js, npz, other: _npz_rewrite(npz, lambda a: a.pop("X")),
    "foreign json": lambda js, npz, other: shutil.copy(other.with_suffix(".json"), js),
    "foreign npz": lambda js, npz, other: shutil.copy(other.with_suffix(".npz"), npz),
}


@pytest.mark.parametrize("kind", list(REF_DAMAGE))
def test_damaged_reference_entry_is_recomputed(kind, tmp_path):
    good = reference_trajectory(HH, t_end=5.0, dt_out=0.1, cache_dir=tmp_path)
    other = reference_trajectory(HH, t_end=6.0, dt_out=0.1, cache_dir=tmp_path).meta["hash"]
    js, npz = (tmp_path / "reference" / f"{good.meta['hash']}{ext}" for ext in (".json", ".npz"))
    REF_DAMAGE[kind](js, npz, tmp_path / "reference" / f"{other}.npz")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = reference_trajectory(HH, t_end=5.0, dt_out=0.1, cache_dir=tmp_path)
    assert not again.from_cache
    np.testing.assert_array_equal(again.X, good.X)
    if kind != "delete json":  # an entry without its .json is an interrupted write, recomputed like a missing one
        assert any(good.meta["hash"] in str(w.message) and "recomputing" in str(w.message) for w in caught), [
            str(w.message) for w in caught
        ]
    assert reference_trajectory(HH, t_end=5.0, dt_out=0.1, cache_dir=tmp_path).from_cache


# ---------------------------------------------------------------------------------------------------------------
# Two processes, one config
_SCRIPT = textwrap.dedent("""
    import dataclasses, json, os, sys, time, numpy as np, torch
    from pinode_sr.runs import load_or_run
    @dataclasses.dataclass(frozen=True)
    class Cfg: seed: int = 0
    def run(cfg, folder):
        open(os.path.join(sys.argv[2], f"ran-{os.getpid()}"), "w").close()
        time.sleep(0.3)
        return dict(state_dict={"w": torch.arange(3.0)}, metrics={"pid": os.getpid()}, arrays={"x": np.arange(3)}, log={"n": 1})
    out = load_or_run(Cfg(), run, sys.argv[1], name="toy")
    print(json.dumps({"metrics": out["metrics"], "w": out["state_dict"]["w"].tolist()}))
""")
STEPS = [
    "locked",
    "cleaned",
    "ran",
    "staged",
    "config.json",
    "model.pt",
    "metrics.json",
    "trajectory.npz",
    "log.json",
    ".done",
    "replaced",
]


@pytest.mark.parametrize("step", STEPS)
def test_two_processes_one_config(step, tmp_path):
    "Two processes start the same run; the write path is slowed at `step`: one valid folder, both get the one result."
    root, marks = tmp_path / "runs", tmp_path / "marks"
    marks.mkdir()
    env = {**os.environ, "PINODE_SR_WRITE_DELAY": f"{step}=0.7", "OMP_NUM_THREADS": "1"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _SCRIPT, str(root), str(marks)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = []
    for p in procs:
        out, errs = p.communicate(timeout=120)
        assert p.returncode == 0, errs
        outs.append(json.loads(out.strip().splitlines()[-1]))
    assert outs[0] == outs[1]  # no result lost: both see the same run
    assert len(list(marks.iterdir())) == 1  # computed once
    names = sorted(p.name for p in root.iterdir())
    folders = [n for n in names if not n.startswith(".")]
    assert len(folders) == 1 and not [n for n in names if n.startswith((".staging", ".trash"))], names
    import dataclasses

    @dataclasses.dataclass(frozen=True)
    class Cfg:
        seed: int = 0

    assert RunFolder(Cfg(), root, "toy").load()["metrics"] == outs[0]["metrics"]


def test_sweep_cleanup_spares_a_live_writer(tmp_path):
    "A sweep's clean-up skips a run whose lock another process holds (its staging folder is live)."
    folder = RunFolder(TINY, tmp_path, "pinode")
    stage = tmp_path / f".staging-{folder.path.name}-live"
    stage.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sys, time
        from filelock import FileLock
        with FileLock({str(folder.lock_path)!r}):
            print("held", flush=True); time.sleep(3)
    """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    sweep_mod._clean_leftovers(RunFolder(TINY, tmp_path, "pinode"))
    assert stage.exists()
    holder.communicate(timeout=30)
    sweep_mod._clean_leftovers(RunFolder(TINY, tmp_path, "pinode"))
    assert not stage.exists()
