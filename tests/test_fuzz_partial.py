"""Hostile input for `pinode_sr.validity`, `pinode_sr.beyond` and `pinode_sr.partial`, and valid calls unchanged.

Issue 32 ("every new entry point rejects bad input"), issue 26's bad-input line (no start states, a zero or negative
step, a box with NaN or inverted bounds, negative tolerances: a clear error, never a silent 100 %) and issue 27's
`partial_preset(..., base_data=...)`. Every case raises a ValueError or TypeError naming the argument within 2 s,
before any integration or training (`fuzzlib.expect_clear_error`). The second half checks that valid calls give
the numbers they gave before the checks: the same results from equivalent inputs, the formulas recomputed here
bit for bit, and the config hashes of the published runs.
"""

import dataclasses

import numpy as np
import pytest
import torch
from fuzzlib import expect_clear_error

from pinode_sr import beyond, partial, validity
from pinode_sr.core import config_hash
from pinode_sr.dataset import DatasetConfig
from pinode_sr.hh import HodgkinHuxley, hh_params
from pinode_sr.models import EnsembleMLP
from pinode_sr.training import preset

NAN, INF = float("nan"), float("inf")
HH = HodgkinHuxley()
T = np.arange(0, 151) * 0.1  # a 0-15 ms record at 0.1 ms, like the training window
Y = (-65.0 + 80.0 * np.exp(-(((T - 7.0) / 0.8) ** 2)))[:, None]  # a spike-shaped trace (validation never solves)
W = np.zeros(18)  # rate-network weights of width 4
G3, P3 = ("g_Na", "g_K", "g_L"), np.array([100.0, 42.0, 0.4])
X2 = np.random.default_rng(0).standard_normal((151, 8))  # an ensemble of one channel (T, K)
REF = np.zeros(151)
NET = beyond.RECIPES["hh_network"].system
NX = np.zeros((151, NET.dim))
MODEL = EnsembleMLP([0.0] * 4, [1.0] * 4, [1.0] * 4, seeds=[0, 1], width=8, dtype="float64")
SMOKE = preset("smoke", seeds=(0,))
PCFG = partial.partial_preset("smoke", learn=(), init=(), missing="n_rates")


def _rollout(starts, t_end):  # never reached: validation comes first
    raise AssertionError("the rollout ran before validation")


def _system_with_box(box):
    s = HodgkinHuxley()
    s.box_spec = box
    return s


INVERTED = _system_with_box({"V": (60.0, -100.0), "m": (0, 1), "h": (0, 1), "n": (0, 1)})
NAN_BOX = _system_with_box({"V": (NAN, 60.0), "m": (0, 1), "h": (0, 1), "n": (0, 1)})
FLAT_BOX = _system_with_box({"V": (-65.0, -65.0), "m": (0, 1), "h": (0, 1), "n": (0, 1)})

CASES = []


def cases(prefix, fn, base, table):
    "One case per (argument, bad value, name the message must hold): fn(**(base | {argument: value}))."
    for key, value, arg in table:
        CASES.append((f"{prefix}.{key}={value!r}"[:80], (lambda kw=base | {key: value}: fn(**kw)), arg))


# ---------------------------------------------------------------------------------------------------------------
# validity
GV = dict(rollout=_rollout, system=HH, dt=0.05)
cases(
    "global_validity",
    validity.global_validity,
    GV,
    [
        ("n_starts", 0, "n_starts"),
        ("n_starts", -5, "n_starts"),
        ("n_starts", 1.5, "n_starts"),
        ("n_starts", 10**9, "n_starts"),  # bounded before any allocation
        ("dt", 0.0, "dt"),
        ("dt", -0.05, "dt"),
        ("dt", NAN, "dt"),
        ("dt", "0.05", "dt"),
        ("dt", 1e-9, "t_end"),  # a grid past the step cap
        ("starts", np.zeros((0, 4)), "starts"),  # an empty start set
        ("starts", [], "starts"),
        ("starts", np.zeros((3, 3)), "starts"),
        ("starts", np.full((2, 4), NAN), "starts"),
        ("starts", np.zeros(4), "starts"),
        ("starts", [["a"] * 4], "starts"),
        ("starts", np.zeros((3, 4)) + 1j, "starts"),
        ("starts", np.zeros((100_000, 4)), "starts"),  # past the value cap
        ("seed", -1, "seed"),
        ("seed", 0.5, "seed"),
        ("t_end", 0.0, "t_end"),
        ("t_end", INF, "t_end"),
        ("t_late", NAN, "t_late"),
        ("t_late", -1.0, "t_late"),
        ("t_late", 150.0, "t_late"),
        ("dt", 40.0, "t_late"),  # fewer than 3 late samples
        ("system", INVERTED, "box"),
        ("system", NAN_BOX, "box"),
        ("system", FLAT_BOX, "box"),
        ("system", "hh", "system"),
        ("rollout", None, "rollout"),
    ],
)
cases(
    "model_rollout",
    validity.model_rollout,
    dict(model=MODEL, dt=0.05),
    [
        ("model", None, "model"),
        ("model", "paper", "model"),
        ("dt", 0.0, "dt"),
        ("dt", NAN, "dt"),
        ("method", "rk45", "method"),
        ("kernel", "gpu", "kernel"),
    ],
)
# the rollout model_rollout returns names its own argument, starts (issue 32)
ROLL = validity.model_rollout(MODEL, 0.05)
for label, starts in [
    ("nan", np.full((2, 4), NAN)),
    ("1-D", np.zeros(4)),
    ("str", "rest"),
    ("complex", np.zeros((2, 4), complex)),
]:
    CASES.append((f"model_rollout run starts {label}", lambda s=starts: ROLL(s, 1.0), "starts"))
TT = np.arange(0, 150.01, 0.5)
cases(
    "classify",
    validity.classify,
    dict(t=TT, X=np.zeros((len(TT), 4)), system=HH, t_late=100.0),
    [
        ("t", TT[::-1], "t"),
        ("t", np.r_[TT[:-1], TT[-2]], "t"),  # a repeated time
        ("t", np.where(TT > 10, NAN, TT), "t"),
        ("t", TT[:2], "t"),
        ("X", np.zeros((len(TT), 3)), "X"),
        ("X", np.zeros(len(TT)), "X"),
        ("X", np.zeros((len(TT), 4), complex), "X"),
        ("system", None, "system"),
        ("system", INVERTED, "box"),
        ("t_late", NAN, "t_late"),
        ("t_late", "100", "t_late"),
        ("t_late", 200.0, "t_late"),
    ],
)
PER = validity.Attractor("periodic", 14.6)
REST = validity.Attractor("rest", state=(-65.0, 0.05, 0.6, 0.3))
cases(
    "agree",
    validity.agree,
    dict(a=PER, b=PER, system=HH),
    [
        ("period_tol", -0.01, "period_tol"),  # negative tolerances: silently never agreeing before
        ("period_tol", NAN, "period_tol"),
        ("state_tol", -0.02, "state_tol"),
        ("state_tol", INF, "state_tol"),
        ("a", "periodic", "a"),
        ("b", None, "b"),
        ("b", validity.Attractor("rest", state=(0.0,)), "b.state"),
        ("system", NAN_BOX, "box"),
    ],
)
cases(
    "Attractor",
    validity.Attractor,
    dict(kind="periodic", period=14.6),
    [
        ("kind", "cycle", "kind"),
        ("kind", 3, "kind"),
        ("period", NAN, "period"),  # periodic without a period
        ("period", -1.0, "period"),
        ("state", [0.0], "state"),
        ("state", (NAN,), "state"),
    ],
)
CASES.append(("Attractor.rest without state", lambda: validity.Attractor("rest"), "state"))
for label, fn, arg in [
    ("as_real_array str", lambda: validity.as_real_array("x", "abc"), "x"),
    ("check_times unsorted", lambda: validity.check_times("t", [0.0, 2.0, 1.0]), "t"),
    ("check_window reversed", lambda: validity.check_window("window", (2.0, 1.0)), "window"),
    ("check_window one number", lambda: validity.check_window("window", 1.0), "window"),
    ("check_system str", lambda: validity.check_system("system", "hh"), "system"),
]:
    CASES.append((label, fn, arg))

# ---------------------------------------------------------------------------------------------------------------
# beyond
R0 = beyond.RECIPES["fhn_classic"]
cases(
    "Recipe",
    lambda **kw: dataclasses.replace(R0, **kw),
    {},
    [
        ("label", "", "label"),
        ("system", None, "system"),
        ("t_train_end", -1.0, "t_train_end"),
        ("t_train_end", 500.0, "t_train_end"),
        ("dt_obs", NAN, "dt_obs"),
        ("t_end", INF, "t_end"),
        ("t_late", 400.0, "t_late"),
        ("dt", 0.0, "dt"),
        ("dt", 1.0, "dt"),  # coarser than the sampling
        ("cycle_t0", 1e6, "cycle_t0"),
        ("cycle_dt", -1.0, "cycle_dt"),
        ("points_in_box", 1, "points_in_box"),
        ("vector_field", "cnn", "vector_field"),
        ("phys_iters", -1, "phys_iters"),
        ("phys_iters", 1.5, "phys_iters"),
    ],
)
cases(
    "beyond_config",
    beyond.beyond_config,
    dict(name="fhn_classic"),
    [
        ("name", "lorenz", "name"),
        ("name", 3, "name"),
        ("method", "pinn", "method"),
        ("preset_name", "tiny", "preset_name"),
        ("lam", -1.0, "lam"),  # an override, checked by the preset
    ],
)
cases(
    "network_scores",
    beyond.network_scores,
    dict(t=T, X=NX, X_ref=NX, net=NET, window=(5.0, 15.0)),
    [
        ("t", T[::-1], "t"),
        ("t", np.where(T > 3, NAN, T), "t"),
        ("X", NX[:, :5], "X"),
        ("X", NX[:-1], "X"),
        ("X_ref", np.full_like(NX, NAN), "X_ref"),
        ("X_ref", NX[:, 0], "X_ref"),
        ("net", HH, "net"),
        ("window", (15.0, 5.0), "window"),
        ("window", (NAN, 15.0), "window"),
        ("window", (20.0, 30.0), "window"),  # holds no sample
        ("window", 10.0, "window"),
    ],
)
cases(
    "load_beyond_runs",
    beyond.load_beyond_runs,
    dict(preset_name="smoke"),
    [
        ("preset_name", "fast", "preset_name"),
        ("names", ("lorenz",), "names"),
        ("names", "fhn_classic", "names"),
        ("names", (), "names"),
        ("names", ("fhn_classic", "fhn_classic"), "names"),
        ("names", [["fhn_classic"]], "names"),
        ("methods", ("pinn",), "methods"),
        ("methods", (), "methods"),
        ("retrain", "yes", "retrain"),
        ("progress", 1, "progress"),
        ("n_workers", 0, "n_workers"),
        ("executor", "gpu", "executor"),
    ],
)
cases(
    "beyond_validity",
    beyond.beyond_validity,
    dict(cfg=SMOKE, run={"state_dict": {}}),
    [
        ("cfg", "smoke", "cfg"),
        ("run", None, "run"),
        ("run", {}, "run"),
        ("n_starts", 0, "n_starts"),
        ("n_starts", 2.5, "n_starts"),
        ("seed", -1, "seed"),
    ],
)
CASES.append(("late_start cfg", lambda: beyond.late_start(None), "cfg"))

# ---------------------------------------------------------------------------------------------------------------
# partial
cases(
    "identify",
    partial.identify,
    dict(system=HH, t=T, y=Y, observed=[0], names=G3, p0=P3),
    [
        ("system", None, "system"),
        ("system", beyond.RECIPES["fhn_classic"].system, "system"),  # not an HH
        ("y", np.where(T[:, None] > 5, NAN, Y), "y"),
        ("y", Y[:, 0], "y"),  # 1-D data
        ("y", Y[:-1], "y"),  # mismatched
        ("y", np.c_[Y, Y], "y"),  # two columns, one observed index
        ("y", np.ones_like(Y), "y"),  # constant
        ("y", Y.astype(complex), "y"),
        ("t", T[::-1].copy(), "t"),
        ("t", np.r_[T[:-1], T[-2]], "t"),  # a repeated time
        ("t", np.where(T > 5, NAN, T), "t"),
        ("t", T[:2], "t"),  # two samples
        ("observed", [4], "observed"),  # out of range
        ("observed", [-1], "observed"),
        ("observed", [1], "observed"),  # V must come first
        ("observed", [], "observed"),
        ("observed", [0.5], "observed"),
        ("observed", 0, "observed"),
        ("names", ("g_Na", "g_Ca", "g_L"), "names"),  # a parameter HH does not have
        ("names", ("g_Na", "g_Na", "g_L"), "names"),
        ("names", "g_Na", "names"),
        ("p0", P3[:2], "p0"),  # a start of the wrong length
        ("p0", np.r_[P3, 1.0], "p0"),
        ("p0", np.array([100.0, NAN, 0.4]), "p0"),
        ("p0", np.array([100.0, -42.0, 0.4]), "p0"),  # a log-learned constant must start > 0
        ("p0", np.array([100.0, 0.0, 0.4]), "p0"),
        ("x0", "gates", "x0"),
        ("w0", np.zeros(5), "w0"),
        ("w0", np.zeros((2, 18)), "w0"),
        ("w0", np.full(18, NAN), "w0"),
        ("max_nfev", 0, "max_nfev"),
        ("max_nfev", 1.5, "max_nfev"),
        ("max_nfev", 10**9, "max_nfev"),
    ],
)
CASES.append(
    (
        "identify underdetermined",
        lambda: partial.identify(HH, T[:8], Y[:8], [0], (), np.zeros(0), "rest", W),
        "y",  # 8 observations cannot fix 18 weights and V0
    )
)
# stage 1's shared parts, public for recordings.fit_recording: each checks its own input
LSQ = partial.check_lsq(None, None, None, None, 1, 0.7, 0)
cases(
    "fit_trials",
    partial.fit_trials,
    dict(system=HH, trials=[(T, Y)], observed=[0], names=G3, p0=P3, x0="rest", w0=None, max_nfev=3, lsq=LSQ),
    [
        ("system", None, "system"),
        ("trials", [], "trials"),
        ("trials", (T, Y), "trials"),  # one pair, not a list of them
        ("trials", [(T, Y[:-1])], "trials[0]"),
        ("trials", [(T, np.c_[Y, Y])], "trials[0]"),  # two columns, one observed index
        ("trials", [(list(T), Y)], "trials[0]"),
        ("observed", [4], "observed"),
        ("observed", 0, "observed"),
        ("observed", ["V"], "observed"),
        ("names", "g_Na", "names"),
        ("p0", P3[:2], "p0"),
        ("x0", "gates", "x0"),
        ("x0", ("rest", "rest"), "x0"),  # one mode per trial
        ("w0", np.zeros(5), "w0"),
        ("max_nfev", 0, "max_nfev"),
        ("lsq", {}, "lsq"),
        ("lsq", None, "lsq"),
    ],
)
cases(
    "check_param_names",
    partial.check_param_names,
    dict(system=HH, names=G3),
    [("names", ("g_Na", "g_Na"), "names"), ("names", ("I_ext",), "names"), ("names", 3, "names")],
)
cases(
    "check_p0",
    partial.check_p0,
    dict(names=G3, p0=P3),
    [("p0", P3[:2], "p0"), ("p0", [100.0, -1.0, 0.4], "p0"), ("p0", "x", "p0")],
)
cases(
    "check_lsq",
    partial.check_lsq,
    dict(ftol=None, xtol=None, gtol=None, diff_step=None, starts=1, spread=0.7, seed=0),
    [
        ("ftol", 0.0, "ftol"),
        ("diff_step", 2.0, "diff_step"),
        ("starts", 0, "starts"),
        ("spread", NAN, "spread"),
        ("seed", -1, "seed"),
    ],
)
cases(
    "match_rates",
    partial.match_rates,
    dict(system=HH, t=T, V=Y[:, 0], w0=W),
    [
        ("V", np.where(T > 5, NAN, Y[:, 0]), "V"),
        ("V", Y, "V"),
        ("V", Y[:-3, 0], "t and V"),
        ("t", T[::-1].copy(), "t"),
        ("t", T[:5], "t"),
        ("w0", W[:-1], "w0"),
        ("w0", None, "w0"),
        ("known", {"g_Ca": 1.0}, "known"),
        ("known", {"g_K": NAN}, "known"),
        ("known", {"C": 0.0}, "known"),
        ("known", [("g_K", 1.0)], "known"),
        ("max_nfev", 0, "max_nfev"),
        ("dt", 0.0, "dt"),
        ("dt", 1e-9, "dt"),  # a gate grid past the step cap
        ("system", None, "system"),
    ],
)
cases(
    "rates_crb",
    partial.rates_crb,
    dict(system=HH, t=T, w=W, V0=-65.0, noise_sd=0.5, V_at=Y[:, 0]),
    [
        ("t", T[::-1].copy(), "t"),
        ("w", W[:4], "w"),
        ("V0", NAN, "V0"),
        ("noise_sd", 0.0, "noise_sd"),
        ("noise_sd", -1.0, "noise_sd"),
        ("V_at", np.array([NAN]), "V_at"),
        ("V_at", np.zeros(0), "V_at"),
        ("V_at", Y, "V_at"),
    ],
)
cases(
    "rates_net",
    partial.rates_net,
    dict(w=W, V=Y[:, 0]),
    [
        ("w", W[:5], "w"),
        ("w", np.zeros(7), "w"),
        ("w", np.full(18, NAN), "w"),
        ("V", np.array([NAN]), "V"),
        ("xp", "numpy", "xp"),
        ("xp", torch, "w"),  # numpy weights on the torch path
    ],
)
cases(
    "noise_level",
    partial.noise_level,
    dict(y=Y[:, 0]),
    [("y", np.where(T > 5, NAN, Y[:, 0]), "y"), ("y", Y, "y"), ("y", Y[:3, 0], "y"), ("y", "abc", "y")],
)
cases(
    "recovery_over_data",
    partial.recovery_over_data,
    dict(noise=0.01, data_seeds=(1,)),
    [
        ("noise", NAN, "noise"),
        ("noise", -0.01, "noise"),
        ("data_seeds", (), "data_seeds"),
        ("data_seeds", (1.5,), "data_seeds"),
        ("data_seeds", (-1,), "data_seeds"),
        ("data_seeds", (1, 1), "data_seeds"),
        ("data_seeds", 3, "data_seeds"),
        ("names", ("g_Na", "g_X"), "names"),
        ("p0", (100.0, 42.0), "p0"),
        ("p0", (100.0, 42.0, -0.4), "p0"),
        ("max_nfev", 0, "max_nfev"),
        ("system", "hh", "system"),
        ("system", HodgkinHuxley(hh_params(g_L=0.0)), "names"),  # relative error against 0
    ],
)
cases(
    "ensemble_band",
    partial.ensemble_band,
    dict(X=X2, level=0.9),
    [
        ("X", np.where(np.arange(8) == 3, NAN, X2), "X"),  # a member that diverged
        ("X", X2[:, :1], "X"),
        ("X", X2[:, 0], "X"),
        ("level", 1.0, "level"),
        ("level", NAN, "level"),
        ("sigma", -1.0, "sigma"),
        ("sigma", NAN, "sigma"),
        ("n_draws", 0, "n_draws"),
        ("seed", -1, "seed"),
    ],
)
CASES.append(("ensemble_band unbounded draws", lambda: partial.ensemble_band(X2, 0.9, sigma=1.0, n_draws=10**8), "n_draws"))
cases(
    "calibration",
    partial.calibration,
    dict(t=T, X=X2, ref=REF, window=(1.0, 15.0), corr_window=(5.0, 15.0)),
    [
        ("X", np.where(np.arange(8) == 3, NAN, X2), "X"),
        ("ref", np.full(151, NAN), "ref"),
        ("ref", REF[:-1], "ref"),
        ("t", T[::-1].copy(), "t"),
        ("window", (15.0, 1.0), "window"),  # reversed
        ("window", (NAN, 15.0), "window"),
        ("window", (20.0, 30.0), "window"),  # holds no sample
        ("corr_window", (15.0, 5.0), "corr_window"),
        ("corr_window", (14.95, 15.0), "corr_window"),  # fewer than 3 samples to rank
        ("levels", (0.5, 1.5), "levels"),
        ("levels", (), "levels"),
        ("levels", 0.9, "levels"),
        ("sigma", -1.0, "sigma"),
    ],
)
cases(
    "partial_preset",
    partial.partial_preset,
    dict(name="smoke"),
    [
        ("name", "tiny", "name"),
        ("noise", NAN, "noise"),
        ("noise", -0.01, "noise"),
        ("base_data", "hh", "base_data"),
        ("base_jointiters", 10, "base_jointiters"),
        ("base_lam", -1.0, "lam"),
        ("learn", ("g_Ca",), "learn"),
        ("init_spread", NAN, "init_spread"),
    ],
)
CASES.append(
    (
        "partial_preset noise disagrees with base_data",
        lambda: partial.partial_preset("smoke", 0.05, base_data=DatasetConfig(noise=0.01)),
        "noise",
    )
)
cases(
    "partial_config",
    partial.partial_config,
    dict(name="identify_1"),
    [("name", "identify_2", "name"), ("preset_name", "fast", "preset_name")],
)
cases(
    "PartialConfig",
    partial.PartialConfig,
    {},
    [
        ("base", "paper", "base"),
        ("learn", ("g_Ca",), "learn"),
        ("learn", ("I_ext",), "learn"),
        ("init", (("g_Na", -5.0),), "init"),
        ("init", (("g_Na", NAN), ("g_K", 42.0), ("g_L", 0.4)), "init"),
        ("init_spread", -0.1, "init_spread"),
        ("observe", (), "observe"),
        ("observe", ("m",), "observe"),
        ("x0", "guess", "x0"),
        ("missing", "m_rates", "missing"),
        ("rates_width", 0, "rates_width"),
        ("p_rate", 0.0, "p_rate"),
        ("max_nfev", 0, "max_nfev"),
        ("rates_start", "data", "rates_start"),
    ],
)
cases("prior_rates", partial.prior_rates, dict(cfg=PCFG, seed=0), [("cfg", SMOKE, "cfg"), ("seed", -1, "seed")])
K2 = PCFG.K
NET_K = EnsembleMLP([0.0] * 4, [1.0] * 4, [1.0] * 4, seeds=list(PCFG.base.seeds), width=8, dtype="float64")
cases(
    "PartialModel",
    partial.PartialModel,
    dict(cfg=PCFG, net=NET_K, x0=np.zeros((K2, 4)), p=np.zeros((K2, 0)), w=np.zeros((K2, 18))),
    [
        ("cfg", SMOKE, "cfg"),
        ("net", None, "net"),
        ("net", MODEL if MODEL.K != K2 else None, "net"),
        ("x0", np.zeros((K2, 3)), "x0"),
        ("x0", np.full((K2, 4), NAN), "x0"),
        ("p", np.zeros((K2, 2)), "p"),
        ("w", None, "w"),
        ("w", np.zeros((K2, 10)), "w"),
    ],
)
for label, fn, arg in [
    ("PartialTask cfg", lambda: partial.PartialTask(SMOKE), "cfg"),
    ("PartialTask cache_dir", lambda: partial.PartialTask(PCFG, cache_dir=3), "cache_dir"),
    ("train_partial cfg", lambda: partial.train_partial(SMOKE), "cfg"),
    ("train_partial progress", lambda: partial.train_partial(PCFG, progress="yes"), "progress"),
    ("train_partial max_iterations", lambda: partial.train_partial(PCFG, max_iterations=-1), "max_iterations"),
    ("load_or_train_partial cfg", lambda: partial.load_or_train_partial("identify_1"), "cfg"),
    ("load_or_train_partial retrain", lambda: partial.load_or_train_partial(PCFG, retrain="no"), "retrain"),
]:
    CASES.append((label, fn, arg))


@pytest.mark.parametrize("label,fn,arg", CASES, ids=[c[0] for c in CASES])
def test_bad_input_fails_clearly(label, fn, arg):
    "Each bad input raises ValueError/TypeError naming the argument, within 2 s (no integration, no training)."
    expect_clear_error(label, fn, arg)


def test_fuzz_table_covers_every_entry_point():
    "Every public callable of the three modules has at least one case (here or in test_census.py's table)."
    from test_census import CASES as CENSUS_CASES

    covered = " ".join(c[0] for c in CASES + CENSUS_CASES)
    results = {"FixedPoint", "MemberCensus", "Census", "SpuriousAttractorWarning"}  # what the census returns or warns
    for mod in (validity, beyond, partial):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj) and name not in results:
                assert name in covered, f"{mod.__name__}.{name} has no bad-input case"
    assert len(CASES) >= 250, len(CASES)


# ---------------------------------------------------------------------------------------------------------------
# Valid calls: the numbers they gave before the checks


def test_partial_preset_takes_the_users_dataset():
    "Issue 27 item 4: base_data is the run's dataset (a TypeError before), everything else the preset's."
    hh_o = HodgkinHuxley(hh_params(g_Na=100, g_K=33))
    cfg = partial.partial_preset("smoke", 0.01, base_data=DatasetConfig(system=hh_o, noise=0.01))
    assert cfg.base.data == DatasetConfig(system=hh_o, noise=0.01)
    assert cfg.base.data.system.params.g_Na == 100 and cfg.base.data.system.params.g_K == 33
    assert cfg.base == dataclasses.replace(preset("smoke"), data=DatasetConfig(system=hh_o, noise=0.01))
    assert partial.partial_preset("smoke", base_data=DatasetConfig(system=hh_o, noise=0.05)).base.data.noise == 0.05
    assert partial.partial_preset("smoke", base_joint_iters=7).base.joint_iters == 7
    # without base_data: the preset's dataset at noise 0.01 (the default), as before
    for name in ("paper", "smoke"):
        assert partial.partial_preset(name) == partial.partial_preset(name, 0.01)
        assert partial.partial_preset(name, 0.05).base.data == dataclasses.replace(preset(name).data, noise=0.05)


PINNED = {  # config hashes of the published partial-physics runs, from the code before the checks
    "identify_1": "3f73c3687335",
    "identify_5": "fdf863287436",
    "identify_5_randomised": "bc4877589b51",
    "missing_n_1": "7c6f6dc80f68",
}


def test_config_hashes_unchanged():
    for name, h in PINNED.items():
        assert config_hash(partial.partial_config(name, "paper")) == h, name
    assert config_hash(beyond.beyond_config("hh_network")) == "ce1345741675"  # as 16_beyond pins it


def test_valid_calls_same_numbers():
    "The checked entry points compute what their formulas say, bit for bit, whatever the input's container."
    g = np.random.default_rng(1)
    y = Y[:, 0] + 0.3 * g.standard_normal(len(T))
    d2 = np.diff(y, 2)
    assert partial.noise_level(list(y)) == float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / np.sqrt(6))
    w = g.standard_normal(18)
    V = np.linspace(-90, 60, 31)
    for a, b in zip(partial.rates_net(w, V), partial._rates_net(w, V)):
        assert np.array_equal(a, b)
    wt, Vt = torch.tensor(w)[None], torch.tensor(V)[None]
    for a, b in zip(partial.rates_net(wt, Vt, torch), partial._rates_net(wt, Vt, torch)):
        assert torch.equal(a, b)
    q = (1 - 0.8) / 2
    lo, hi = partial.ensemble_band(X2.tolist(), 0.8)
    assert np.array_equal(lo, np.quantile(X2, q, axis=1)) and np.array_equal(hi, np.quantile(X2, 1 - q, axis=1))
    lo, hi = partial.ensemble_band(X2, 0.8, sigma=0.5, n_draws=4, seed=3)
    Xs = (X2[:, :, None] + 0.5 * np.random.default_rng(3).standard_normal((1, 8, 4))).reshape(len(X2), -1)
    assert np.array_equal(lo, np.quantile(Xs, q, axis=1)) and np.array_equal(hi, np.quantile(Xs, 1 - q, axis=1))
    cal = partial.calibration(T, X2, REF, window=(1.0, 15.0), corr_window=(5.0, 15.0), levels=(0.5,))
    lo, hi = partial.ensemble_band(X2, 0.5)
    sel = (T >= 1.0) & (T <= 15.0)
    assert cal["coverage"]["0.5"] == float(np.mean((REF[sel] >= lo[sel]) & (REF[sel] <= hi[sel])))
    assert cal["window"] == [1.0, 15.0]
    tt = np.arange(0, 150.01, 0.05)
    sine = np.c_[50 * np.sin(2 * np.pi * tt / 14.6), np.zeros((len(tt), 3)) + 0.5]
    a = validity.classify(list(tt), sine, HH, 100.0)
    from pinode_sr.metrics import event_times

    ev = event_times(tt[tt >= 100.0 - 1e-9], sine[tt >= 100.0 - 1e-9, 0], 0.0)
    assert a == validity.Attractor("periodic", float(np.mean(np.diff(ev)[-3:])))
    assert validity.agree(validity.Attractor("periodic", 14.6 * 1.039), a, HH)  # within 4 % of the true (second) period
    assert not validity.agree(validity.Attractor("periodic", 14.6 * 1.041), a, HH)
    assert validity.agree(a, a, HH, period_tol=0.0)


def test_identify_same_numbers_for_any_container():
    "identify converts its inputs without changing them: lists and tuples give the arrays' result bit for bit."
    a = partial.identify(HH, T, Y, [0], G3, P3, max_nfev=3)
    b = partial.identify(HH, list(T), Y.tolist(), (0,), list(G3), tuple(P3), max_nfev=3)
    for k in ("params", "x0", "rms", "nfev", "status"):
        assert np.array_equal(a[k], b[k]), k


def test_recovery_over_data_takes_the_system():
    "The default system is HodgkinHuxley(): passing it gives the same numbers; another system's data are its own."
    e0 = partial.recovery_over_data(0.01, (1,), max_nfev=3)
    e1 = partial.recovery_over_data(0.01, (1,), max_nfev=3, system=HodgkinHuxley())
    assert np.array_equal(e0, e1)
    e2 = partial.recovery_over_data(0.01, (1,), max_nfev=3, system=HodgkinHuxley(hh_params(g_Na=110.0, g_K=33.0)))
    assert e2.shape == (1, 3) and not np.array_equal(e0, e2)


def test_global_validity_same_numbers_for_any_container():
    "Explicit starts as a list or an array, and a rollout returning a tensor: one result."
    starts = HH.sample_box(2, 5, "validity")

    def roll(s, t_end):
        n = int(round(t_end / 0.5)) + 1
        return np.broadcast_to(np.asarray(s)[None, None], (n, 1) + np.shape(s)).copy()  # a field that never moves

    kw = dict(dt=0.5, t_end=80.0, t_late=20.0)
    r1 = validity.global_validity(roll, HH, starts=starts, **kw)
    r2 = validity.global_validity(lambda s, t: torch.tensor(roll(s, t)), HH, starts=starts.tolist(), **kw)
    assert r1 == r2
    assert r1["truth"]["periodic"] == 2 and r1["learned"]["rest"] == 2  # the true system spikes; a frozen field rests
    assert r1["fraction"] == 0.0
