"""Bad input to the entry points of issue 27 (time scales, preset(system=...), DatasetConfig.x0, TrainedModel): a clear
ValueError/TypeError naming the argument, before any solve or integration (`fuzzlib.expect_clear_error`)."""

import numpy as np
import pytest
from fuzzlib import expect_clear_error

from pinode_sr.dataset import DatasetConfig
from pinode_sr.fitzhugh_nagumo import FitzHughNagumo
from pinode_sr.hh import HodgkinHuxley, hh_params
from pinode_sr.models import EnsembleMLP
from pinode_sr.timescales import time_scales
from pinode_sr.trained import TrainedModel
from pinode_sr.training import preset

HH = HodgkinHuxley()
CFG = preset("smoke")  # HH: 4 states, K = 2, dt = 0.05
TM = TrainedModel(CFG, EnsembleMLP(np.zeros(4), np.ones(4), np.ones(4), CFG.seeds))  # untrained: only the checks run
X0 = HH.default_x0()
T = np.linspace(0.0, 1.0, 11)
Y = np.tile(X0, (11, 1))
_nan_y = Y.copy()
_nan_y[4, 2] = np.nan

CASES = [
    ("time_scales: not a system", lambda: time_scales("hh"), "system"),
    ("time_scales: a function of t", lambda: time_scales(HodgkinHuxley(hh_params(I_ext=lambda t: 10.0))), "function of t"),
    ("time_scales: cache_dir a number", lambda: time_scales(HH, cache_dir=3), "cache_dir"),
    ("preset: system not a system", lambda: preset("paper", system="fhn"), "system"),
    ("preset: system and data", lambda: preset("paper", system=FitzHughNagumo(), data=DatasetConfig()), "data"),
    ("preset: cache_dir without system", lambda: preset("paper", cache_dir="/tmp"), "cache_dir"),
    ("x0: wrong length", lambda: DatasetConfig(x0=(0.0, 1.0)), "x0"),
    ("x0: NaN", lambda: DatasetConfig(x0=(np.nan, 0.1, 0.5, 0.4)), "x0"),
    ("x0: a string", lambda: DatasetConfig(x0="rest"), "x0"),
    ("x0: a matrix", lambda: DatasetConfig(x0=np.zeros((2, 4))), "x0"),
    ("rollout: x0 wrong length", lambda: TM.rollout([0.0, 1.0], T), "x0"),
    ("rollout: x0 NaN", lambda: TM.rollout(np.full(4, np.nan), T), "x0"),
    ("rollout: x0 complex", lambda: TM.rollout(X0 + 0j, T), "x0"),
    ("rollout: t unsorted", lambda: TM.rollout(X0, T[::-1]), "t must be strictly increasing"),
    ("rollout: t duplicate", lambda: TM.rollout(X0, [0.0, 0.5, 0.5, 1.0]), "duplicate"),
    ("rollout: t one time", lambda: TM.rollout(X0, [0.0]), "t must hold at least two"),
    ("rollout: t NaN", lambda: TM.rollout(X0, [0.0, np.nan]), "t contains NaN"),
    ("rollout: t 2-D", lambda: TM.rollout(X0, T[None]), "t must have 1 dimension"),
    ("rollout: t too long", lambda: TM.rollout(X0, [0.0, 1e9]), "cap"),
    ("rollout: member out of range", lambda: TM.rollout(X0, T, member=5), "member"),
    ("rollout: member a bool", lambda: TM.rollout(X0, T, member=False), "member"),
    ("rollout: member a name", lambda: TM.rollout(X0, T, member="median"), "member"),
    ("score: y wrong shape", lambda: TM.score(T, Y[:, :3]), "y must have shape"),
    ("score: y wrong length", lambda: TM.score(T, Y[:5]), "y must have shape"),
    ("score: y NaN", lambda: TM.score(T, _nan_y), "y contains NaN"),
    ("score: observable without x0", lambda: TM.score(T, Y[:, 0]), "x0 is needed"),
    ("score: y strings", lambda: TM.score(T, np.array(["a"] * 11)), "y must be an array of real numbers"),
    ("TrainedModel: cfg", lambda: TrainedModel({"dt": 0.05}, TM.model), "cfg"),
]


@pytest.mark.parametrize("label,fn,arg", CASES, ids=[c[0] for c in CASES])
def test_bad_input_fails_clearly(label, fn, arg):
    "Each bad input raises ValueError/TypeError naming the argument, within 2 s (no solve, no integration)."
    expect_clear_error(label, fn, arg)
