"""The off-orbit residual terms (issue 26, part 1): bad input to the fixed-point, region-scale and Jacobian helpers
and to the new TrainConfig fields fails up front naming the argument; the "robust" preset is the paper preset plus
those fields (the paper preset, and its hash, unchanged); and the fixed-point collocation is what training sees."""

import numpy as np
import pytest
import torch
from fuzzlib import expect_clear_error

from pinode_sr.core import config_hash
from pinode_sr.fitzhugh_nagumo import FitzHughNagumo
from pinode_sr.hh import HodgkinHuxley
from pinode_sr.models import EnsembleMLP
from pinode_sr.residuals import jacobian_residual, model_jacobian, region_scales, true_fixed_points
from pinode_sr.training import PRESETS, NeuralODETask, Problem, preset

torch.set_num_threads(1)
HH = HodgkinHuxley()
NAN = float("nan")
M = EnsembleMLP([-60.0, 0.2, 0.4, 0.4], [25.0, 0.25, 0.15, 0.1], [45.0, 0.42, 0.10, 0.11], seeds=(0, 1), width=8)
P = torch.zeros(2, 3, 4)
J = torch.zeros(2, 3, 4, 4)
D4 = torch.ones(4)


class _BadBox(HodgkinHuxley):
    box_spec = {"V": (60.0, -100.0), "m": (0.0, 1.0), "h": (0.0, 1.0), "n": (0.0, 1.0)}


CASES = [
    ("fixed points of a string", lambda: true_fixed_points("hh"), "system must be a DynamicalSystem"),
    ("fixed points, inverted box", lambda: true_fixed_points(_BadBox()), "box"),
    ("fixed points, zero starts", lambda: true_fixed_points(HH, n_starts=0), "n_starts"),
    ("fixed points, huge starts", lambda: true_fixed_points(HH, n_starts=10**9), "n_starts"),
    ("fixed points, NaN tol", lambda: true_fixed_points(HH, tol=NAN), "tol"),
    ("fixed points, negative seed", lambda: true_fixed_points(HH, seed=-1), "seed"),
    ("region scales, one point", lambda: region_scales(HH, np.zeros((1, 4))), "N >= 2"),
    ("region scales, wrong D", lambda: region_scales(HH, np.zeros((5, 3))), "pts must have shape"),
    ("region scales, NaN point", lambda: region_scales(HH, np.full((5, 4), NAN)), "pts"),
    ("region scales, zero floor", lambda: region_scales(HH, np.zeros((5, 4)), floor=0.0), "floor"),
    ("jacobian residual, J shape", lambda: jacobian_residual(M, P, J[:, :, 0], D4, D4), "J_true"),
    ("jacobian residual, 2-D points", lambda: jacobian_residual(M, P[0], J[0], D4, D4), "pts must be (K, P, D)"),
    ("jacobian residual, sd shape", lambda: jacobian_residual(M, P, J, torch.ones(3), D4), "sd and s"),
    ("config fp_points bool", lambda: preset("smoke", fp_points=True), "fp_points"),
    ("config fp_points huge", lambda: preset("smoke", fp_points=10**8), "fp_points"),
    ("config fp_radius inf", lambda: preset("smoke", fp_radius=float("inf")), "fp_radius"),
    ("config region_scale", lambda: preset("smoke", region_scale="box"), "region_scale"),
    ("config region_weight < 0", lambda: preset("smoke", region_weight=-1.0), "region_weight"),
    ("config jacobian_weight NaN", lambda: preset("smoke", fp_points=8, jacobian_weight=NAN), "jacobian_weight"),
    ("config jacobian without points", lambda: preset("smoke", jacobian_weight=1.0), "needs fp_points > 0"),
]


@pytest.mark.parametrize("label,fn,arg", CASES, ids=[c[0] for c in CASES])
def test_bad_input(label, fn, arg):
    expect_clear_error(label, fn, arg)


def test_fixed_points_of_shipped_models():
    "HH has one fixed point in its box (a weakly unstable focus); FitzHugh-Nagumo classic one (unstable)."
    fp = true_fixed_points(HH, n_starts=32)
    assert fp.shape == (1, 4) and abs(fp[0, 0] + 59.5706) < 1e-3
    ev = np.linalg.eigvals(HH.jacobian(0.0, fp[0]))
    assert 0 < ev.real.max() < 0.01
    fhn = FitzHughNagumo()
    fp = true_fixed_points(fhn, n_starts=32)
    assert fp.shape == (1, 2)
    np.testing.assert_allclose(fhn.rhs(0.0, fp[0]), 0.0, atol=1e-9)


def test_model_jacobian_matches_the_chain_rule():
    "One hidden layer: J = diag(s) W1ᵀ diag(1 − tanh²(z)) W0ᵀ diag(1/σ), z = ((x − μ)/σ) W0 + b0."
    mu, sd, sc = [-60.0, 0.2, 0.4, 0.4], [25.0, 0.25, 0.15, 0.1], [45.0, 0.42, 0.10, 0.11]
    m = EnsembleMLP(mu, sd, sc, seeds=(3,), width=6, depth=1, dtype="float64")
    x = torch.tensor([[[-55.0, 0.1, 0.5, 0.3]]], dtype=torch.float64)
    Jm = model_jacobian(m, x).detach()[0, 0].numpy()
    W0, b0, W1 = (t[0].detach().numpy() for t in (m.Ws[0], m.bs[0], m.Ws[1]))
    z = ((x[0, 0].numpy() - mu) / sd) @ W0 + b0
    J = np.diag(sc) @ W1.T @ np.diag(1 - np.tanh(z) ** 2) @ W0.T @ np.diag(1 / np.array(sd))
    np.testing.assert_allclose(Jm, J, rtol=1e-10, atol=1e-12)


def test_paper_preset_keeps_its_hash_and_defaults():
    "The new fields are off in every preset but robust (paper + the Jacobian term): the paper preset and its hash stay."
    assert config_hash(preset("paper")) == "01319dfa7b10"
    for name, cfg in PRESETS.items():
        if name != "robust":
            assert (cfg.fp_points, cfg.region_scale, cfg.jacobian_weight) == (0, "orbit", 0.0), name
    paper, robust = PRESETS["paper"], PRESETS["robust"]  # robust = paper + the Jacobian term at the fixed point
    diff = {k for k in paper.__dataclass_fields__ if getattr(paper, k) != getattr(robust, k)}
    assert diff == {"fp_points", "jacobian_weight"}, diff
    assert config_hash(robust) != config_hash(paper)


def test_no_fixed_point_warns_and_adds_none():
    "A system whose field has no root in the box: fp_points adds no points, with a warning, and training still runs."

    class _Shifted(FitzHughNagumo):  # the v-nullcline pushed out of the box: no fixed point inside it
        def rhs(self, t, x):
            return super().rhs(t, x) + np.array([50.0, 0.0])

    cfg = preset("smoke", fp_points=16, region_scale="region")
    prob = Problem(cfg)
    prob.system = _Shifted()
    with pytest.warns(UserWarning, match="no fixed point"):
        task = NeuralODETask(prob)
    assert task.fp.n == 0 and "fp" not in task.s_region
