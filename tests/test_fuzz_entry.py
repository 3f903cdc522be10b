"""Hostile input for the one run entry (`pinode_sr.loop.train`, `load_or_train`, `load_model`) and the names that moved
in issue 31 (the run's score, the integrator's one place, the private wing, the ground-floor checks).

Every bad argument fails at validation with a ValueError or TypeError naming the argument, within 2 s (no training,
no integration). Besides the table: every name that moved still imports from where it was, and a PartialConfig's
weights load back through the one model loader.
"""

import dataclasses
import warnings

import numpy as np
import pytest
import torch
from fuzzlib import expect_clear_error

from pinode_sr import loop
from pinode_sr.metrics import score_run
from pinode_sr.partial import partial_config
from pinode_sr.pinn import PINNConfig, pinn_preset
from pinode_sr.training import Problem, integrate, preset

SMOKE = preset("smoke", seeds=(0,))
PSMOKE = pinn_preset("smoke", seeds=(0,), collocation="horizon")
PCFG = partial_config("identify_1", "smoke")
HUGE = preset("smoke", seeds=tuple(range(1024)), width=4096, depth=8)  # every field within its cap; not their product
MODEL = Problem(SMOKE).model()
X0 = torch.tensor([-65.0, 0.05, 0.6, 0.32])


@dataclasses.dataclass(frozen=True)
class _NoRunner:
    x: int = 0


ROW = {"finite": True, "freq_error_pct": 0.5, "peak_error": 1.0, "peak_tolerance": 5.0, "trough_error": 0.0}
ROW |= {"n_events": 3, "n_events_ref": 3}
EVALS = [{"iteration": 10, "seconds": 1.0, "rows": [ROW]}]

CASES = [
    ("loop.train cfg preset name", lambda: loop.train("smoke"), "cfg"),
    ("loop.train cfg without runner", lambda: loop.train(_NoRunner()), "cfg"),
    ("loop.train cfg class", lambda: loop.train(preset), "cfg"),
    ("loop.train cfg of another kind", lambda: loop.train(SMOKE, kind=PINNConfig), "cfg"),
    ("loop.train folder", lambda: loop.train(SMOKE, folder="runs/x"), "folder"),
    ("loop.train progress", lambda: loop.train(SMOKE, progress="yes"), "progress"),
    ("loop.train max_iterations", lambda: loop.train(SMOKE, max_iterations=0), "max_iterations"),
    ("loop.train cache_dir", lambda: loop.train(SMOKE, cache_dir=3), "cache_dir"),
    ("loop.train device", lambda: loop.train(SMOKE, device=3), "device"),
    ("loop.train memory", lambda: loop.train(HUGE), "seeds"),
    ("loop.train partial device", lambda: loop.train(PCFG, device="cuda"), "device"),
    ("loop.load_or_train cfg", lambda: loop.load_or_train(3), "cfg"),
    ("loop.load_or_train retrain", lambda: loop.load_or_train(SMOKE, retrain="no"), "retrain"),
    ("loop.load_or_train progress", lambda: loop.load_or_train(PSMOKE, progress=None), "progress"),
    ("loop.load_or_train device", lambda: loop.load_or_train(SMOKE, device=1.5), "device"),
    ("loop.load_or_train root", lambda: loop.load_or_train(SMOKE, root=3), "root"),
    ("loop.load_or_train memory", lambda: loop.load_or_train(HUGE), "seeds"),
    ("loop.load_model cfg", lambda: loop.load_model("paper", {}), "cfg"),
    ("loop.load_model run", lambda: loop.load_model(SMOKE, None), "run"),
    ("loop.load_model run of no weights", lambda: loop.load_model(PCFG, {"state_dict": {}}), "run"),
    (
        "loop.load_model run of another config",
        lambda: loop.load_model(SMOKE, {"state_dict": {}, "metrics": {"hash": "x"}}),
        "run",
    ),
    ("score_run rows", lambda: score_run("rows", EVALS), "rows"),
    ("score_run rows empty", lambda: score_run([], EVALS), "rows"),
    ("score_run evals", lambda: score_run([ROW], [{"iteration": 1}]), "evals"),
    ("score_run evals members", lambda: score_run([ROW, ROW], EVALS), "evals"),
    ("score_run success", lambda: score_run([ROW], EVALS, success="meets"), "success"),
    ("integrate cfg", lambda: integrate(MODEL, X0, "smoke", n_steps=3), "cfg"),
    ("integrate neither", lambda: integrate(MODEL, X0, SMOKE), "t_obs"),
    ("integrate both", lambda: integrate(MODEL, X0, SMOKE, t_obs=np.arange(3.0), n_steps=3), "n_steps"),
    ("integrate n_steps", lambda: integrate(MODEL, X0, SMOKE, n_steps=-1), "n_steps"),
]


@pytest.mark.parametrize("label,fn,arg", CASES, ids=[c[0] for c in CASES])
def test_bad_input_fails_clearly(label, fn, arg):
    "Each bad input raises ValueError/TypeError naming the argument, within 2 s (no training, no integration)."
    expect_clear_error(label, fn, arg)


def test_moved_names_still_import_from_where_they_were():
    "Names that moved to a lower floor are still there, the same objects; the benchmark's old home warns."
    from pinode_sr import _kernels, bench, core, gradients, reference, runs, validity

    for mod, names in (
        (validity, ("as_real_array", "check_times", "check_window")),
        (loop, ("MEMORY_ENV", "available_memory", "memory_limit", "check_memory")),
        (runs, ("WRITE_DELAY_ENV",)),
        (reference, ("default_cache_dir",)),
    ):
        for n in names:
            assert getattr(mod, n) is getattr(core, n) and n in mod.__all__, (mod.__name__, n)
    with pytest.warns(DeprecationWarning, match="moved to pinode_sr.bench"):
        old = gradients.bench_training_peers
    assert old is bench.bench_training_peers
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the kernels take the pool and the pin from the private wing, no warning
        assert gradients.take is _kernels.take and gradients.one_blas_thread is _kernels.one_blas_thread
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = gradients.nothing_here


def test_every_method_config_makes_its_own_run():
    "TrainConfig, PINNConfig and PartialConfig name their folders as before, and the sweep sends them to the one entry."
    from pinode_sr.sweep import RUNNERS, _runner

    for cfg, name in ((SMOKE, "pinode"), (PSMOKE, "pinn"), (PCFG, "partial")):
        assert cfg.runner().name == name
        assert _runner(cfg) == ("pinode_sr.loop", "load_or_train", name)
    assert not {"TrainConfig", "PINNConfig", "PartialConfig"} & set(RUNNERS)
    with pytest.raises(ValueError, match="no runner for config type '_NoRunner'"):
        _runner(_NoRunner())


def test_integrate_is_the_rollout_it_names():
    "The one place a run picks its integrator gives exactly the rollouts it stands for."
    from pinode_sr.gradients import rollout_model, rollout_nograd

    t = np.arange(0, 2.01, 0.5)
    with torch.no_grad():
        a = integrate(MODEL, X0, SMOKE, t_obs=t)
        b = rollout_model(MODEL, X0, t, SMOKE.dt, SMOKE.gradient, SMOKE.method, kernel=SMOKE.kernel)
    assert torch.equal(a, b)
    c = integrate(MODEL, X0, SMOKE, n_steps=20)
    assert np.array_equal(c, rollout_nograd(MODEL, X0, SMOKE.dt, 20, 1, SMOKE.method, SMOKE.kernel))
