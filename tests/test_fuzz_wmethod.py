"""Bad input to the W-method's entry points (issue 29: `04b_wmethod`, `TrainConfig.solver`): a clear ValueError or
TypeError naming the argument, before any step is taken (`fuzzlib.expect_clear_error`)."""

import dataclasses

import numpy as np
import pytest
import torch
from fuzzlib import expect_clear_error

from pinode_sr import wmethod
from pinode_sr.dataset import DatasetConfig
from pinode_sr.hh import HodgkinHuxley
from pinode_sr.models import EnsembleMLP
from pinode_sr.training import PRESETS, TrainConfig
from pinode_sr.wmethod import (
    WTableau,
    get_wtableau,
    rollout_w_torch,
    rollout_wmethod,
    rollout_wmethod_nograd,
    solver_step_warning,
    stability_function,
    w_matrix,
    w_order_residuals,
    w_step,
)

NET = EnsembleMLP([-60.0, 0.2, 0.4, 0.4], [25.0, 0.25, 0.15, 0.1], [45.0, 0.42, 0.10, 0.11], seeds=(0, 1))
X0 = torch.tensor([-65.0, 0.0529, 0.5961, 0.3177])
T = torch.arange(0, 4) * 0.2
TAB = get_wtableau("ros2m")
HH = HodgkinHuxley()
OBS = np.tile(HH.default_x0(), (5, 1))
G = 1 - 2**-0.5
ROS2 = dict(gamma=G, alpha=((0, 0), (1, 0)), Gamma=((G, 0), (-2 * G, G)), b=(0.5, 0.5), order=2)
f_lin = lambda y: -y

CASES = [
    ("get_wtableau: unknown", lambda: get_wtableau("ros3p"), "ros2m"),
    ("get_wtableau: not a string", lambda: get_wtableau(2), "tableau"),
    ("WTableau: name not a string", lambda: WTableau(3, **ROS2), "name"),
    ("WTableau: ragged alpha", lambda: WTableau("t", **{**ROS2, "alpha": ((0,), (1, 0))}), "alpha"),
    ("WTableau: b a string", lambda: WTableau("t", **{**ROS2, "b": "half"}), "b"),
    ("WTableau: NaN gamma", lambda: WTableau("t", **{**ROS2, "gamma": float("nan")}), "finite"),
    ("WTableau: wrong shapes", lambda: WTableau("t", **{**ROS2, "b": (1.0,)}), "alpha and Gamma"),
    ("WTableau: alpha not strictly lower", lambda: WTableau("t", **{**ROS2, "alpha": ((0.5, 0), (1, 0))}), "alpha"),
    ("WTableau: diagonal not gamma", lambda: WTableau("t", **{**ROS2, "gamma": 0.5}), "gamma"),
    ("WTableau: negative gamma", lambda: WTableau("t", **{**ROS2, "gamma": -G, "Gamma": ((-G, 0), (2 * G, -G))}), "gamma"),
    ("WTableau: order 3", lambda: WTableau("t", **{**ROS2, "order": 3}), "order"),
    ("WTableau: order a float", lambda: WTableau("t", **{**ROS2, "order": 2.0}), "order"),
    ("WTableau: W conditions fail", lambda: WTableau("t", **{**ROS2, "Gamma": ((G, 0), (0, G))}), "order conditions"),
    ("w_order_residuals: not a tableau", lambda: w_order_residuals("ros2m"), "tab"),
    ("stability_function: not a tableau", lambda: stability_function("ros2m", -1.0), "tab"),
    ("stability_function: z a string", lambda: stability_function(TAB, "left"), "z"),
    ("w_matrix: unknown", lambda: w_matrix(torch.eye(2), "lower"), "matrix"),
    ("w_matrix: not square", lambda: w_matrix(torch.zeros(2, 3)), "J"),
    ("w_matrix: not a tensor", lambda: w_matrix(np.eye(2)), "J"),
    ("w_step: f not callable", lambda: w_step(3, torch.ones(2), 0.1, TAB, torch.eye(2)), "f"),
    ("w_step: tab a name", lambda: w_step(f_lin, torch.ones(2), 0.1, "ros2m", torch.eye(2)), "tab"),
    ("w_step: h zero", lambda: w_step(f_lin, torch.ones(2), 0.0, TAB, torch.eye(2)), "h"),
    ("w_step: h NaN", lambda: w_step(f_lin, torch.ones(2), float("nan"), TAB, torch.eye(2)), "h"),
    ("w_step: A of another size", lambda: w_step(f_lin, torch.ones(2), 0.1, TAB, torch.eye(3)), "A"),
    ("rollout_w_torch: model a string", lambda: rollout_w_torch("net", X0, T, 0.2), "model"),
    ("rollout_w_torch: matrix unknown", lambda: rollout_w_torch(NET, X0, T, 0.2, matrix="lower"), "matrix"),
    ("rollout_w_torch: tableau unknown", lambda: rollout_w_torch(NET, X0, T, 0.2, "ros3"), "tableau"),
    ("rollout_wmethod: gradient backsolve", lambda: rollout_wmethod(NET, X0, T, 0.2, gradient="backsolve"), "gradient"),
    ("rollout_wmethod: tableau unknown", lambda: rollout_wmethod(NET, X0, T, 0.2, tableau="rodas5p"), "tableau"),
    ("rollout_wmethod: kernel unknown", lambda: rollout_wmethod(NET, X0, T, 0.2, kernel="compiled"), "kernel"),
    ("rollout_wmethod: singular unknown", lambda: rollout_wmethod(NET, X0, T, 0.2, singular="ignore"), "singular"),
    ("rollout_wmethod: matrix unknown", lambda: rollout_wmethod(NET, X0, T, 0.2, matrix="physics"), "matrix"),
    ("rollout_wmethod: dt negative", lambda: rollout_wmethod(NET, X0, T, -0.2), "dt"),
    ("rollout_wmethod: dt a string", lambda: rollout_wmethod(NET, X0, T, "0.2"), "dt"),
    ("rollout_wmethod: dt not dividing", lambda: rollout_wmethod(NET, X0, T, 0.3), "dt"),
    ("rollout_wmethod: t unsorted", lambda: rollout_wmethod(NET, X0, T.flip(0), 0.2), "t_obs"),
    ("rollout_wmethod: model a string", lambda: rollout_wmethod("net", X0, T, 0.2), "model"),
    ("rollout_wmethod: x0 NaN", lambda: rollout_wmethod(NET, X0 * np.nan, T, 0.2), "x0"),
    ("rollout_wmethod: x0 wrong length", lambda: rollout_wmethod(NET, X0[:3], T, 0.2), "x0"),
    ("rollout_wmethod: too many steps", lambda: rollout_wmethod(NET, X0, torch.tensor([0.0, 1e9]), 0.2), "steps"),
    ("rollout_wmethod_nograd: n_steps negative", lambda: rollout_wmethod_nograd(NET, X0, 0.2, -1), "n_steps"),
    ("rollout_wmethod_nograd: n_steps a float", lambda: rollout_wmethod_nograd(NET, X0, 0.2, 2.5), "n_steps"),
    ("rollout_wmethod_nograd: n_steps huge", lambda: rollout_wmethod_nograd(NET, X0, 0.2, 10**12), "n_steps"),
    ("rollout_wmethod_nograd: save_every 0", lambda: rollout_wmethod_nograd(NET, X0, 0.2, 5, 0), "save_every"),
    ("rollout_wmethod_nograd: dt inf", lambda: rollout_wmethod_nograd(NET, X0, float("inf"), 5), "dt"),
    ("rollout_wmethod_nograd: matrix unknown", lambda: rollout_wmethod_nograd(NET, X0, 0.2, 5, matrix="none"), "matrix"),
    ("rollout_wmethod_nograd: x0 complex", lambda: rollout_wmethod_nograd(NET, X0 + 0j, 0.2, 5), "x0"),
    ("solver_step_warning: solver unknown", lambda: solver_step_warning(HH, OBS, 0.2, "rk4"), "solver"),
    ("solver_step_warning: dt zero", lambda: solver_step_warning(HH, OBS, 0.0, "wmethod"), "dt"),
    ("solver_step_warning: system a string", lambda: solver_step_warning("hh", OBS, 0.2), "system"),
    ("solver_step_warning: states of another size", lambda: solver_step_warning(HH, OBS[:, :3], 0.2), "states"),
    ("solver_step_warning: states NaN", lambda: solver_step_warning(HH, OBS * np.nan, 0.2), "states"),
    ("solver_step_warning: states strings", lambda: solver_step_warning(HH, [["a"] * 4], 0.2), "states"),
    ("TrainConfig: solver unknown", lambda: TrainConfig(solver="implicit"), "wmethod"),
    ("TrainConfig: solver not a string", lambda: TrainConfig(solver=1), "solver"),
    ("TrainConfig: wmethod with rk4", lambda: TrainConfig(solver="wmethod", method="rk4"), "method"),
    ("TrainConfig: wmethod with dopri5", lambda: TrainConfig(solver="rosenbrock", method="dopri5"), "method"),
    ("TrainConfig: wmethod with checkpoint", lambda: TrainConfig(solver="wmethod", gradient="checkpoint"), "gradient"),
    ("TrainConfig: wmethod dt not dividing", lambda: TrainConfig(solver="wmethod", dt=0.2), "dt"),
]


@pytest.mark.parametrize("label,fn,arg", CASES, ids=[c[0] for c in CASES])
def test_bad_input_fails_clearly(label, fn, arg):
    "Each bad input raises ValueError/TypeError naming the argument, within 2 s (no step taken)."
    expect_clear_error(label, fn, arg)


def test_fuzz_table_covers_every_entry_point():
    "Every public callable of the module has at least one case."
    covered = " ".join(c[0] for c in CASES)
    results = {"SingularStep", "WMethodRollout"}  # an error it raises; the autograd Function behind rollout_wmethod
    for name in wmethod.__all__:
        if callable(getattr(wmethod, name)) and name not in results:
            assert name in covered, f"wmethod.{name} has no bad-input case"


def test_singular_step_names_step_time_and_member():
    "A singular W stops with SingularStep (a FloatingPointError) naming the step, the time and the member."
    lin = EnsembleMLP([0.0] * 2, [1.0] * 2, [1.0] * 2, seeds=(0, 1), depth=0, dtype="float64")
    with torch.no_grad():
        lin.Ws[0][1] = torch.eye(2) / (0.2 * G)
    with pytest.raises(wmethod.SingularStep, match=r"at step 0 \(t = 0, member 1"):
        rollout_wmethod(lin, [1.0, 0.0], T, 0.2, matrix="full")


def test_paper_hash_unchanged_and_solver_default():
    "The new field keeps every existing config's hash: the paper preset's is pinned."
    from pinode_sr.core import config_hash

    assert PRESETS["paper"].solver == "heun" and config_hash(PRESETS["paper"]) == "01319dfa7b10"
    w = dataclasses.replace(PRESETS["paper"], solver="wmethod", data=DatasetConfig(dt_obs=0.2), dt=0.2)
    assert config_hash(w) != config_hash(dataclasses.replace(w, solver="rosenbrock"))
