"""Hostile input for the models, the solvers, the dataset and the metrics (issue 32, "trust every result").

Every bad argument of a public entry point of `system`, `hh`, `fitzhugh_nagumo`, `morris_lecar`, `hh_network`,
`oregonator`, `rodas5p`, `scipy_rodas5p`, `dataset`, `solvers` and `metrics` fails with a ValueError or TypeError
naming the argument, before any real work (each case under a 2 s guard; the few that need the reference name it in
their label and get the time of one reference solve). A model is checked when it is defined: its equations run once
at the default state and the box centre, and its parameters against the constraints it declares. Valid calls keep
their numbers: every shipped model and the systems the notebooks define still pass, and pinned values of a
reference solve, the dataset and the metrics are unchanged.
"""

from dataclasses import dataclass

import numpy as np
import pytest
import torch
from fuzzlib import expect_clear_error
from scipy.integrate import solve_ivp

import pinode_sr
from pinode_sr.bench import Robertson, StiffVanDerPol
from pinode_sr.beyond import RECIPES
from pinode_sr.dataset import DatasetConfig, single_oscillation
from pinode_sr.fitzhugh_nagumo import FHNParams, FitzHughNagumo
from pinode_sr.hh import HHParams, HodgkinHuxley, hh_params, hh_rates_with
from pinode_sr.hh_network import HHNetwork, HHNetworkParams, hh_network_params
from pinode_sr.metrics import (
    check_scoring_windows,
    compare,
    event_peaks,
    event_times,
    event_troughs,
    nrmse,
    oscillation,
)
from pinode_sr.morris_lecar import MLParams, MorrisLecar
from pinode_sr.oregonator import Oregonator, OregonatorParams, TysonOregonator, TysonOregonatorParams
from pinode_sr.reference import reference_trajectory
from pinode_sr.rodas5p import solve_rodas5p
from pinode_sr.solvers import ExplicitTableau, get_solver, rollout, steps_per_interval
from pinode_sr.system import DynamicalSystem, Observable, SymbolicSystem, check_params, solve_scipy

NAN, INF = float("nan"), float("inf")
HH = HodgkinHuxley()
X0 = HH.default_x0()
T = np.arange(0, 30.0001, 0.01)
V = 50 * np.sin(2 * np.pi * T / 10)


# ---------------------------------------------------------------------------------------------------------------
# User-defined systems with one mistake each
@dataclass(frozen=True)
class VdPParams:
    mu: float = 5.0


class VdP(SymbolicSystem):
    name, state_names, units, time_unit = "vdp", ("x", "y"), ("1", "1"), "1"
    Params = VdPParams
    box_spec = {"x": (-3, 3), "y": (-2, 2)}
    observable = Observable("x", threshold=0.0, tolerance=0.05)
    constraints = {"mu": ("> 0", "damping")}

    def default_x0(self):
        return np.array([2.0, 0.0])

    def equations(self, t, x, p, fn):
        u, v = x
        return p.mu * (u - u**3 / 3 - v), u / p.mu


class UndefinedParam(VdP):
    def equations(self, t, x, p, fn):
        return p.nu * x[0], x[1]


class UndefinedFunction(VdP):
    def equations(self, t, x, p, fn):
        return fn.sigmoid(x[0]), x[1]


class UndefinedName(VdP):
    def equations(self, t, x, p, fn):
        return sigmoid(x[0]), x[1]  # noqa: F821 (the mistake under test)


class ThreeComponents(VdP):
    def equations(self, t, x, p, fn):
        return x[0], x[1], x[0]


class InfiniteField(VdP):
    def equations(self, t, x, p, fn):
        return (x[1] + 1.0) / (x[0] - 2.0), x[1]


class ScalarEquations(VdP):
    def equations(self, t, x, p, fn):
        return x[0]


class NoEquations(SymbolicSystem):
    name, state_names, units, time_unit = "none", ("x",), ("1",), "1"
    Params, box_spec, observable = VdPParams, {"x": (-1, 1)}, Observable("x", 0.0, 0.1)

    def default_x0(self):
        return np.array([0.0])


class MisspelledConstraint(VdP):
    constraints = {"mu_": ("> 0", "damping")}


class HandWritten(DynamicalSystem):
    name, state_names, units, time_unit = "hand", ("x", "y"), ("1", "1"), "1"
    box_spec, observable = {"x": (-2, 2), "y": (-2, 2)}, Observable("x", 0.0, 0.1)

    def default_x0(self):
        return np.array([1.0, 0.0])

    def rhs(self, t, x):
        return np.stack([x[..., 1], -x[..., 0]], -1)

    def config(self):
        return {"model": self.name}


class HandWrongShape(HandWritten):
    def rhs(self, t, x):
        return np.stack([x[..., 1], -x[..., 0], x[..., 0]], -1)


class HandNaN(HandWritten):
    def rhs(self, t, x):
        return np.stack([x[..., 1] * np.nan, -x[..., 0]], -1)


class HandNoRhs(DynamicalSystem):
    name, state_names, units, time_unit = "norhs", ("x",), ("1",), "1"
    box_spec, observable = {"x": (-1, 1)}, Observable("x", 0.0, 0.1)

    def default_x0(self):
        return np.array([0.0])


class HandTorch(HandWritten):
    def rhs_torch(self, t, x):
        return torch.stack([x[..., 1], -x[..., 0]], -1)


class HandTorchWrong(HandWritten):
    def rhs_torch(self, t, x):
        return x[..., :1]


# ---------------------------------------------------------------------------------------------------------------
# The table: (id, call, the name its message must contain)
CASES = []


def add(label, arg, fn, seconds=2.0):
    CASES.append((label, fn, arg, seconds))


# the HH rates written with a set of functions (what HodgkinHuxley and HHNetwork share)
add("hh_rates_with fn", "fn", lambda: hh_rates_with(None, -65.0))
add("hh_rates_with fn without phi", "fn", lambda: hh_rates_with(np, -65.0))

# a system is checked when it is defined
add("equations undefined parameter", "p.nu", lambda: UndefinedParam())
add("equations undefined function", "fn.sigmoid", lambda: UndefinedFunction())
add("equations undefined name", "sigmoid", lambda: UndefinedName())
add("equations three components", "equations", lambda: ThreeComponents())
add("equations not a tuple", "equations", lambda: ScalarEquations())
add("equations non-finite", "dx/dt", lambda: InfiniteField())
add("equations missing", "equations", lambda: NoEquations())
add("constraints misspelled", "constraints", lambda: MisspelledConstraint())
add("params mu=0", "mu", lambda: VdP(VdPParams(mu=0.0)))
add("params mu<0", "mu", lambda: VdP(VdPParams(mu=-5.0)))
add("params mu nan", "mu", lambda: VdP(VdPParams(mu=NAN)))
add("params wrong type", "params", lambda: VdP({"mu": 5.0}))
add("hand rhs wrong shape", "rhs", lambda: HandWrongShape().validate())
add("hand rhs nan", "dx/dt", lambda: HandNaN().validate())
add("hand no rhs", "rhs", lambda: HandNoRhs().validate())
add("hand no rhs_torch (dataset)", "rhs_torch", lambda: DatasetConfig(system=HandWritten()))
add("hand rhs_torch wrong shape (dataset)", "rhs_torch", lambda: DatasetConfig(system=HandTorchWrong()))
add("check_params constraints", "constraints", lambda: check_params(VdPParams(), {"nu": "> 0"}))
add("check_params violated", "mu", lambda: check_params(VdPParams(mu=-1.0), {"mu": ">= 0"}))

# Observable
for field, value in [
    ("variable", ""),
    ("variable", 3),
    ("threshold", NAN),
    ("threshold", "0"),
    ("tolerance", 0.0),
    ("tolerance", INF),
    ("top", NAN),
    ("event", 3),
    ("event", ""),
]:
    kw = dict(variable="x", threshold=0.0, tolerance=0.1) | {field: value}
    add(f"Observable {field}={value!r}", field, lambda kw=kw: Observable(**kw))

# DynamicalSystem methods
add("sample_box n=0", "n", lambda: HH.sample_box(0, seed=0))
add("sample_box n=1.5", "n", lambda: HH.sample_box(1.5, seed=0))
add("check_state size", "x0", lambda: HH.check_state(np.zeros(3), "x0"))
add("check_state nan", "x0", lambda: HH.check_state(X0 * NAN, "x0"))
add("check_state complex", "x0", lambda: HH.check_state(X0 + 1j, "x0"))
add("rhs_torch unknown parameter", "params", lambda: HH.rhs_torch(0.0, torch.tensor(X0), {"g_Xx": 1.0}))

# the shipped models: parameters that make no physical sense
for label, fn, arg in [
    ("HHParams C=0", lambda: HHParams(C=0.0), "C"),
    ("HHParams C<0", lambda: HHParams(C=-1.0), "C"),
    ("HHParams g_Na<0", lambda: HHParams(g_Na=-120.0), "g_Na"),
    ("HHParams g_L<0", lambda: HHParams(g_L=-0.3), "g_L"),
    ("HHParams E_K nan", lambda: HHParams(E_K=NAN), "E_K"),
    ("HHParams I_ext str", lambda: HHParams(I_ext="10"), "I_ext"),
    ("hh_params preset", lambda: hh_params("spiking"), "preset"),
    ("HodgkinHuxley params dict", lambda: HodgkinHuxley({"C": 1.0}), "params"),
    ("HodgkinHuxley default_x0 nan", lambda: HH.default_x0(NAN), "V0"),
    ("FHN eps=0", lambda: FitzHughNagumo(FHNParams(eps=0.0)), "eps"),
    ("FHN eps<0", lambda: FitzHughNagumo(FHNParams(eps=-0.08)), "eps"),
    ("FHN preset", lambda: FitzHughNagumo("relaxed"), "params"),
    ("FHN a nan", lambda: FitzHughNagumo(FHNParams(a=NAN)), "a"),
    ("ML C=0", lambda: MorrisLecar(MLParams(C=0.0)), "C"),
    ("ML C<0", lambda: MorrisLecar(MLParams(C=-20.0)), "C"),
    ("ML g_Ca<0", lambda: MorrisLecar(MLParams(g_Ca=-4.4)), "g_Ca"),
    ("ML V2=0", lambda: MorrisLecar(MLParams(V2=0.0)), "V2"),
    ("ML V4<0", lambda: MorrisLecar(MLParams(V4=-30.0)), "V4"),
    ("ML phi=0", lambda: MorrisLecar(MLParams(phi=0.0)), "phi"),
    ("ML preset", lambda: MorrisLecar("type3"), "params"),
    ("Oregonator q=0", lambda: Oregonator(OregonatorParams(q=0.0)), "q"),
    ("Oregonator s=0", lambda: Oregonator(OregonatorParams(s=0.0)), "s"),
    ("Oregonator s<0", lambda: Oregonator(OregonatorParams(s=-77.27)), "s"),
    ("Oregonator w<0", lambda: Oregonator(OregonatorParams(w=-0.161)), "w"),
    ("Oregonator f<0", lambda: Oregonator(OregonatorParams(f=-1.0)), "f"),
    ("Oregonator params", lambda: Oregonator(FHNParams()), "params"),
    ("Tyson q=0", lambda: TysonOregonator(TysonOregonatorParams(q=0.0)), "q"),
    ("Tyson q<0", lambda: TysonOregonator(TysonOregonatorParams(q=-0.01)), "q"),
    ("Tyson eps=0", lambda: TysonOregonator(TysonOregonatorParams(eps=0.0)), "eps"),
    ("Tyson f<0", lambda: TysonOregonator(TysonOregonatorParams(f=-1.0)), "f"),
    ("HHNetwork N=0", lambda: hh_network_params(N=0), "N"),
    ("HHNetwork N=1.5", lambda: hh_network_params(N=1.5), "N"),
    ("HHNetwork N=100000 (memory)", lambda: hh_network_params(N=100_000), "N"),
    ("HHNetwork N=50", lambda: HHNetwork(hh_network_params(N=50)), "N=50"),
    ("HHNetwork g<0", lambda: hh_network_params(g=-0.1), "g_syn"),
    ("HHNetwork C=0", lambda: hh_network_params(C=0.0), "C"),
    ("HHNetwork alpha_r<0", lambda: hh_network_params(alpha_r=-1.1), "alpha_r"),
    ("HHNetwork alpha_d=0", lambda: hh_network_params(alpha_d=0.0), "alpha_d"),
    ("HHNetwork K_p=0", lambda: hh_network_params(K_p=0.0), "K_p"),
    ("HHNetwork g_K<0", lambda: hh_network_params(g_K=-36.0), "g_K"),
    ("HHNetwork I_ext empty", lambda: HHNetworkParams(I_ext=()), "I_ext"),
    ("HHNetwork g_syn shape", lambda: HHNetworkParams(I_ext=(10.0, 11.0)), "g_syn"),
    ("HHNetwork I_ext nan", lambda: HHNetwork(hh_network_params(N=2, I_range=(10.0, NAN))), "I_ext"),
    ("HHNetwork E_syn str", lambda: HHNetwork(hh_network_params(E_syn="0")), "E_syn"),
    ("HHNetwork g_syn str", lambda: HHNetworkParams(I_ext=(10.0,), g_syn=(("0",),)), "g_syn"),
]:
    add(label, arg, fn)

# solve_scipy
for label, args, kw, arg in [
    ("model", ("hh", (0, 1), [0.5]), {}, "model"),
    ("t_span nan", (HH, (0, NAN), [0.5]), {}, "t_span"),
    ("t_span inf", (HH, (0, INF), [0.5]), {}, "t_span"),
    ("t_span reversed", (HH, (1, 0), [0.5]), {}, "t_span"),
    ("t_span empty", (HH, (1, 1), [1.0]), {}, "t_span"),
    ("t_span str", (HH, "0-1", [0.5]), {}, "t_span"),
    ("t_span three", (HH, (0, 1, 2), [0.5]), {}, "t_span"),
    ("t_eval outside", (HH, (0, 1), [2.0]), {}, "t_eval"),
    ("t_eval nan", (HH, (0, 1), [NAN]), {}, "t_eval"),
    ("t_eval decreasing", (HH, (0, 1), [0.5, 0.2]), {}, "t_eval"),
    ("t_eval 2-D", (HH, (0, 1), [[0.5]]), {}, "t_eval"),
    ("method", (HH, (0, 1), [0.5]), dict(method="RK45"), "method"),
    ("rtol", (HH, (0, 1), [0.5]), dict(rtol=0.0), "rtol"),
    ("atol", (HH, (0, 1), [0.5]), dict(atol=NAN), "atol"),
    ("x0 size", (HH, (0, 1), [0.5]), dict(x0=X0[:2]), "x0"),
]:
    add(f"solve_scipy {label}", arg, lambda a=args, kw=kw: solve_scipy(*a, **kw))

# solve_ivp(method=Rodas5P)
for label, args, kw, arg in [
    ("t_span nan", (HH.rhs, (0, NAN), X0), {}, "t_span"),
    ("t_span inf", (HH.rhs, (0, INF), X0), {}, "t_span"),
    ("t_span -inf", (HH.rhs, (0, -INF), X0), {}, "t_span"),
    ("rtol", (HH.rhs, (0, 1), X0), dict(rtol=-1.0), "rtol"),
    ("atol shape", (HH.rhs, (0, 1), X0), dict(atol=[1e-8] * 3), "atol"),
    ("max_step", (HH.rhs, (0, 1), X0), dict(max_step=0.0), "max_step"),
    ("first_step", (HH.rhs, (0, 1), X0), dict(first_step=2.0), "first_step"),
    ("jac shape", (HH.rhs, (0, 1), X0), dict(jac=np.eye(3)), "jac"),
    ("dfdt", (HH.rhs, (0, 1), X0), dict(dfdt=1.0), "dfdt"),
    ("unknown option", (HH.rhs, (0, 1), X0), dict(jac_sparsity=None), "jac_sparsity"),
]:
    add(f"Rodas5P {label}", arg, lambda a=args, kw=kw: solve_ivp(*a, method=pinode_sr.Rodas5P, **kw))
# A NaN found at t0 is found by the first step's compiled code: the first call in a process compiles it (numba,
# tens of seconds on a busy machine), so these two get a compile's time; the error still names fun / jac.
COMPILE_S = 180.0
add(
    "Rodas5P fun nan at t0 (compiles)",
    "fun",
    lambda: solve_ivp(lambda t, y: y * NAN, (0, 1), [1.0], method=pinode_sr.Rodas5P),
    COMPILE_S,
)
add(
    "Rodas5P jac nan at t0 (compiles)",
    "jac",
    lambda: solve_ivp(lambda t, y: -y, (0, 1), [1.0], method=pinode_sr.Rodas5P, jac=lambda t, y: np.full((1, 1), NAN)),
    COMPILE_S,
)

# solve_rodas5p
for label, args, kw, arg in [
    ("t_span nan", (HH.compiled(), (0, NAN), X0), {}, "t_span"),
    ("t_span reversed", (HH.compiled(), (1, 0), X0), {}, "t_span"),
    ("y0 nan", (HH.compiled(), (0, 1), X0 * NAN), {}, "y0"),
    ("y0 size", (HH.compiled(), (0, 1), X0[:3]), {}, "y0"),
    ("rtol", (HH.compiled(), (0, 1), X0), dict(rtol=0.0), "rtol"),
    ("t_eval outside", (HH.compiled(), (0, 1), X0), dict(t_eval=[2.0]), "t_eval"),
    ("controller", (HH.compiled(), (0, 1), X0), dict(controller="pid"), "controller"),
    ("parallel", (HH.compiled(), (0, 1), X0), dict(parallel="yes"), "parallel"),
    ("f", ("hh", (0, 1), X0), {}, "f"),
]:
    add(f"solve_rodas5p {label}", arg, lambda a=args, kw=kw: solve_rodas5p(*a, **kw))
add(  # found by integrating (a Python field: the first call in a process compiles the kernel), named as what the user gave
    "solve_rodas5p f nan (fd dfdt, integration, compiles)",
    "f returned",
    lambda: solve_rodas5p(lambda t, y: y * NAN, (0, 1), [1.0], autonomous=False),
    COMPILE_S,
)

# the dataset
for field, values in {
    "system": ["hh", None, HandWrongShape()],
    "t_train_end": [0.0, NAN, "15"],
    "dt_obs": [0.0, -0.1, 0.07],
    "t_end": [INF, 10.0, 1e9],
    "t_late": [5.0, 150.0],
    "noise": [-0.1, NAN],
    "seed": [-1, 1.5, True],
    "solver": ["rk4"],
    "rtol": [0.0, 2.0],
    "atol": [-1.0],
}.items():
    for v in values:
        add(
            f"DatasetConfig {field}={v!r}"[:70],
            field if field != "system" or v is None or isinstance(v, str) else "rhs",
            lambda f=field, v=v: DatasetConfig(**{f: v}),
        )
# the start state as real numbers: a string is not parsed, a complex state's imaginary part not dropped (issue 32)
add("DatasetConfig x0 string entry", "x0", lambda: DatasetConfig(x0=("-65", 0.05, 0.6, 0.3)))
add("DatasetConfig x0 complex", "x0", lambda: DatasetConfig(x0=tuple(X0 + 1e-3j)))
add("DatasetConfig x0 bools", "x0", lambda: DatasetConfig(x0=(True, False, True, False)))
add("HodgkinHuxley default_x0 string", "V0", lambda: HH.default_x0("-65"))
add("HodgkinHuxley default_x0 complex", "V0", lambda: HH.default_x0(-65 + 1j))
add("solve_rodas5p y0 complex", "y0", lambda: solve_rodas5p(HH.compiled(), (0, 1), X0 + 1e-3j))
add("solve_rodas5p y0 string entries", "y0", lambda: solve_rodas5p(HH.compiled(), (0, 1), ["-65", 0.05, 0.6, 0.3]))
add("solve_rodas5p Python f y0 complex", "y0", lambda: solve_rodas5p(lambda t, y: -y, (0, 1), [1.0 + 1j]))
# a hand-written field of the wrong shape is named as rhs before any solve, by every solver entry
add(
    "reference_trajectory hand rhs wrong shape", "rhs", lambda: reference_trajectory(HandWrongShape(), t_end=1.0, cache_dir=False)
)
add("solve_reference hand rhs wrong shape", "rhs", lambda: pinode_sr.solve_reference(HandWrongShape(), (0, 1), [0.5]))
add("solve_scipy hand rhs wrong shape", "rhs", lambda: solve_scipy(HandWrongShape(), (0, 1), [0.5]))
add("solve_scipy hand rhs nan", "dx/dt", lambda: solve_scipy(HandNaN(), (0, 1), [0.5]))
add("solve_scipy hand no rhs", "rhs", lambda: solve_scipy(HandNoRhs(), (0, 1), [0.5]))
add("single_oscillation cfg", "cfg", lambda: single_oscillation("paper"))
add("single_oscillation cache_dir", "cache_dir", lambda: single_oscillation(DatasetConfig(), cache_dir=3), seconds=60.0)
# these two need the reference (one solve) to know where the events are
add(
    "single_oscillation window without event (reference)",
    "t_train_end",
    lambda: single_oscillation(DatasetConfig(t_train_end=1.0), cache_dir=False),
    seconds=60.0,
)
add(
    "single_oscillation threshold never crossed (reference)",
    "observable.threshold",
    lambda: single_oscillation(DatasetConfig(system=HodgkinHuxley(hh_params("rest"))), cache_dir=False),
    seconds=60.0,
)

# the solvers
add("get_solver", "method", lambda: get_solver("rk5"))
add("ExplicitTableau weights", "weights", lambda: ExplicitTableau("x", a=((0.0,),), b=(0.5,), c=(0.0,), order=1))
add("steps_per_interval dt", "dt", lambda: steps_per_interval([0.0, 0.1], 0.0))
add("steps_per_interval t_obs nan", "t_obs", lambda: steps_per_interval([0.0, NAN], 0.01))
add("steps_per_interval t_obs 2-D", "t_obs", lambda: steps_per_interval([[0.0, 0.1]], 0.01))
add("rollout x0 nan tensor", "x0", lambda: rollout(lambda t, x: -x, torch.tensor([1.0, NAN]), [0.0, 0.1], 0.05))
add("rollout x0 inf array", "x0", lambda: rollout(lambda t, x: -x, np.array([1.0, INF]), [0.0, 0.1], 0.05))
add("rollout x0 str", "x0", lambda: rollout(lambda t, x: -x, "rest", [0.0, 0.1], 0.05))
add("rollout x0 complex", "x0", lambda: rollout(lambda t, x: -x, np.array([1.0 + 1j]), [0.0, 0.1], 0.05))
add("rollout f", "f", lambda: rollout(None, torch.ones(2), [0.0, 0.1], 0.05))
add("rollout dt", "dt", lambda: rollout(lambda t, x: -x, torch.ones(2), [0.0, 0.1], 0.03))
add("rollout method", "method", lambda: rollout(lambda t, x: -x, torch.ones(2), [0.0, 0.1], 0.05, method="rk5"))

# the metrics
X_REF = np.stack([V, np.cos(T)], 1)
add("event_times lengths", "t and y", lambda: event_times(T, V[:-1]))
add("event_times 2-D", "t and y", lambda: event_times(T, X_REF))
add("event_times threshold nan", "threshold", lambda: event_times(T, V, NAN))
add("event_times threshold str", "threshold", lambda: event_times(T, V, "0"))
add("event_peaks lengths", "t and y", lambda: event_peaks(T[:10], V))
add("event_troughs lengths", "t and y", lambda: event_troughs(T, V[:10]))
add("oscillation lengths", "t and y", lambda: oscillation(T, V[:-1]))
add("oscillation window", "window", lambda: oscillation(T, V, window=(20, 10)))
add("nrmse constant reference", "X_ref", lambda: nrmse(X_REF, np.ones_like(X_REF)))
add("nrmse one constant column", "X_ref", lambda: nrmse(X_REF, np.stack([V, np.zeros_like(V)], 1)))
add("nrmse shapes", "X and X_ref", lambda: nrmse(X_REF[:, :1], X_REF))
add("nrmse reference nan", "X_ref", lambda: nrmse(X_REF, X_REF * NAN))
add("compare shapes", "X", lambda: compare(T, X_REF, X_REF[:, :1], HH))
add(
    "check_scoring_windows threshold",
    "observable.threshold",
    lambda: check_scoring_windows(T, np.stack([V - 100] * 4, 1), HH, 30.0, 20.0),
)
add("check_scoring_windows short", "t_eval_end", lambda: check_scoring_windows(T, np.stack([V] * 4, 1), HH, 12.0, 5.0))


@pytest.mark.parametrize("label,fn,arg,seconds", CASES, ids=[c[0] for c in CASES])
def test_bad_input_fails_clearly(label, fn, arg, seconds):
    expect_clear_error(label, fn, arg, seconds)


def test_fuzz_table_covers_the_modules():
    assert len(CASES) >= 150


# ---------------------------------------------------------------------------------------------------------------
# Valid calls: every model still passes, and the numbers are the ones before the checks
def _notebook_systems():
    "The systems the notebooks and the paper recipes define (FitzHugh–Nagumo as 14_any_model writes it, etc.)."

    @dataclass(frozen=True)
    class FHN:
        a: float = 0.7
        b: float = 0.8
        I: float = 0.5
        eps: float = 0.08

    class UserFHN(SymbolicSystem):  # nbs/14_any_model, nbs/06_training, nbs/08_pinn, the README
        name, state_names, units, time_unit = "fitzhugh_nagumo", ("v", "w"), ("1", "1"), "1"
        Params = FHN
        box_spec = {"v": (-2.5, 2.5), "w": (-1.0, 2.0)}
        observable = Observable("v", threshold=0.0, tolerance=0.1, event="spike")

        def default_x0(self):
            return np.array([-1.0, 1.0])

        def equations(self, t, x, p, fn):
            v, w = x
            return v - v**3 / 3 - w + p.I, p.eps * (v + p.a - p.b * w)

    return [UserFHN(), VdP(), HodgkinHuxley(hh_params(I_ext=lambda t: 10.0 * (t > 5)))]


SHIPPED = [
    HodgkinHuxley(),
    HodgkinHuxley(hh_params("rest")),
    FitzHughNagumo(),
    FitzHughNagumo("stiff"),
    MorrisLecar(),
    MorrisLecar("snic"),
    Oregonator(),
    TysonOregonator(),
    HHNetwork(),
    HHNetwork(hh_network_params(N=10, g=0.03)),
    Robertson(),
    StiffVanDerPol(),
    *[r.system for r in RECIPES.values()],
]


@pytest.mark.parametrize("system", SHIPPED + _notebook_systems(), ids=lambda s: type(s).__name__)
def test_every_model_passes_its_definition_checks(system):
    system.validate()
    system.check_torch_field()
    x = system.default_x0()
    assert np.all(np.isfinite(system.rhs(0.0, x))) and system.rhs(0.0, x).shape == (system.dim,)


def test_hand_written_system_with_torch_field_is_accepted():
    cfg = DatasetConfig(system=HandTorch())
    assert cfg.system.dim == 2


def test_constraints_are_declared_per_model():
    assert HodgkinHuxley.constraints["C"][0] == "> 0"
    assert FitzHughNagumo.constraints["eps"][0] == "> 0"
    assert {"s", "q", "w", "f"} <= set(Oregonator.constraints) and {"eps", "q"} <= set(TysonOregonator.constraints)
    assert {"C", "g_syn", "alpha_r", "alpha_d", "K_p"} <= set(HHNetwork.constraints)
    assert {"C", "V2", "V4", "phi"} <= set(MorrisLecar.constraints)
    # the boundary itself: a zero conductance is a channel switched off, allowed; a zero capacitance is not
    HodgkinHuxley(hh_params(g_Na=0.0))
    MorrisLecar(MLParams(g_Ca=0.0))


# Pinned values of valid calls, computed with the code before the checks (e91bbe8)
PINNED_HH_REF = [
    [-75.05820541429523, 0.021581122577455487, 0.1442236127091597, 0.6891337607352668],
    [-66.68666594792619, 0.04107606196641429, 0.43590224391980287, 0.424077990343642],
    [-74.6433214055249, 0.016572783548091025, 0.16789824659411412, 0.6493197423087753],
]
PINNED_SCIPY = [
    [-75.05820545822871, 0.021581125653704025, 0.14422360546542784, 0.6891337672338231],
    [-66.68666610445678, 0.04107606147885657, 0.4359022420987453, 0.4240779920276893],
    [-74.6433218673336, 0.016572785100595264, 0.1678982032208753, 0.6493197795794975],
]
PINNED_OBS = [
    [-55.03347156253666, 0.1157944287230951, 0.5742107767681615, 0.32824058509584736],
    [-71.19219714320579, 0.014774349133911725, 0.3492833614985519, 0.5184051898639891],
    [-52.97771072768932, 0.11710547767899838, 0.44253802634617845, 0.3930248453553068],
]
PINNED_METRICS = [0.0, 0.311466946590766, 0.024299427290157587]
PINNED_EVENTS = [1.9009859871107386, 16.822803311235514, 31.469974010862277]
PINNED_ROLLOUT = [28.408908056407675, 0.720273911700175, 0.3967875222347065, 0.4424547032335565]


def test_reference_solve_values_unchanged():
    "Pinned on the code before the checks (e91bbe8): the same bits there and here on one machine; 1e-9 across CPUs."
    ref = reference_trajectory(HH, t_end=20.0, dt_out=0.1, cache_dir=False)
    np.testing.assert_allclose(ref.X[[50, 100, 200]], np.array(PINNED_HH_REF), rtol=1e-9, atol=1e-9)


def test_scipy_rodas5p_values_unchanged():
    r = solve_ivp(HH.rhs, (0, 20), X0, method=pinode_sr.Rodas5P, rtol=1e-8, atol=1e-8, t_eval=[5.0, 10.0, 20.0])
    np.testing.assert_allclose(r.y.T, np.array(PINNED_SCIPY), rtol=1e-9, atol=1e-9)


def test_dataset_and_metrics_values_unchanged(tmp_path):
    ds = single_oscillation(DatasetConfig(noise=0.05, seed=3), cache_dir=tmp_path)
    np.testing.assert_allclose(ds.obs[[10, 75, 150]], np.array(PINNED_OBS), rtol=1e-9, atol=1e-9)
    m = compare(ds.t, ds.X * 1.01, ds.X, HH, window=(0, 150))
    np.testing.assert_allclose([m["freq_error_pct"], m["peak_error"], m["nrmse_V"]], PINNED_METRICS, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(event_times(ds.t, ds.X[:, 0])[:3], PINNED_EVENTS, rtol=1e-12)


def test_solvers_rollout_values_unchanged():
    x = rollout(HH.rhs, X0, np.arange(0, 2.0001, 0.1), 0.01, "rk4")
    np.testing.assert_allclose(x[-1], PINNED_ROLLOUT, rtol=1e-12, atol=1e-12)
