"""An outsider's re-audit of issue 32: every concrete case the issue names, tried through the public API.

Each case is classified as
  clean     - a ValueError/TypeError raised up front (within its time budget, 2 s unless the case needs a reference
              solve or a compile) whose message names the offending argument;
  unclear   - an error, but late, of another type, or not naming the argument;
  silent    - accepted (a result returned, or a wrong result);
  unbounded - ran past its hard time limit or ran out of memory.
The normal-path bugs (items 1-5) are behaviour checks: clean when the behaviour is the one the issue asks for.

Caches go to a temporary folder (PINODE_SR_CACHE, PINODE_SR_RUNS), never the repository's. The process's address
space is capped so an unchecked giant allocation fails with MemoryError instead of taking the machine.

    nice -n 19 .venv/bin/python tools/audit_issue32.py [--skip-runs] [--only SUBSTRING]
"""

import argparse
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback
import warnings
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="audit32-"))
os.environ["PINODE_SR_CACHE"] = str(TMP / "cache")
os.environ["PINODE_SR_RUNS"] = str(TMP / "runs")
os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]

import dataclasses  # noqa: E402
import json  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)
NAN, INF = float("nan"), float("inf")


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout()


CASES = []  # (group, label, fn, arg, budget_s, hard_s)


def add(group, label, arg, fn, budget=2.0, hard=60.0):
    CASES.append((group, label, fn, arg, budget, hard))


def check(group, label, fn, hard=600.0):
    "A behaviour check: fn() returns (cls, message)."
    CASES.append((group, label, fn, None, None, hard))


def run_case(fn, arg, budget, hard):
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, hard)
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn()
        dt = time.perf_counter() - t0
        if arg is None:
            return (*out, dt)
        return "silent", f"accepted (returned {type(out).__name__})", dt
    except _Timeout:
        return "unbounded", f"still running after {hard:.0f} s", time.perf_counter() - t0
    except MemoryError as e:
        return "unbounded", f"MemoryError: {e}", time.perf_counter() - t0
    except Exception as e:  # noqa: BLE001
        dt = time.perf_counter() - t0
        first = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        if arg is None:
            return "unclear", "check crashed: " + first + " | " + traceback.format_exc().splitlines()[-3], dt
        if not isinstance(e, (ValueError, TypeError)):
            return "unclear", first, dt
        if arg not in str(e):
            return "unclear", f"(does not name {arg!r}) " + first, dt
        if dt > budget:
            return "unclear", f"(late: {dt:.1f} s > {budget:.0f} s) " + first, dt
        return "clean", first, dt
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ---------------------------------------------------------------------------------------------------------------
# The public API, as a user imports it
import pinode_sr  # noqa: E402
from pinode_sr import (  # noqa: E402
    DatasetConfig,
    FitzHughNagumo,
    HHNetwork,
    HodgkinHuxley,
    Observable,
    Oregonator,
    TysonOregonator,
    evaluate,
    identify,
    load_model,
    load_or_train,
    preset,
    reference_trajectory,
    solve_reference,
    solve_rodas5p,
    solve_scipy,
    train,
)
from pinode_sr.fitzhugh_nagumo import FHNParams  # noqa: E402
from pinode_sr.hh import HHParams  # noqa: E402
from pinode_sr.hh_network import hh_network_params  # noqa: E402
from pinode_sr.metrics import event_times, nrmse  # noqa: E402
from pinode_sr.morris_lecar import MLParams, MorrisLecar  # noqa: E402
from pinode_sr.oregonator import OregonatorParams, TysonOregonatorParams  # noqa: E402
from pinode_sr.partial import calibration, ensemble_band, match_rates, noise_level, prior_rates  # noqa: E402
from pinode_sr.solvers import rollout  # noqa: E402
from pinode_sr.system import DynamicalSystem, SymbolicSystem  # noqa: E402
from pinode_sr.training import Problem  # noqa: E402
from pinode_sr.validity import Attractor, agree, global_validity, model_rollout  # noqa: E402

HH = HodgkinHuxley()
X0 = HH.default_x0()


# ---------------------------------------------------------------------------------------------------------------
# User-defined systems, each with one mistake
@dataclasses.dataclass(frozen=True)
class VdPParams:
    mu: float = 5.0


class VdP(SymbolicSystem):
    name, state_names, units, time_unit = "vdp_audit", ("x", "y"), ("1", "1"), "1"
    Params = VdPParams
    box_spec = {"x": (-3, 3), "y": (-2, 2)}
    observable = Observable("x", threshold=0.0, tolerance=0.05)

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


class ThreeStates(VdP):  # an rhs returning the wrong number of states
    def equations(self, t, x, p, fn):
        return x[0], x[1], x[0]


class Hand(DynamicalSystem):
    "A hand-written numpy field, no torch field."

    name, state_names, units, time_unit = "hand_audit", ("x", "y"), ("1", "1"), "1"
    box_spec, observable = {"x": (-2, 2), "y": (-2, 2)}, Observable("x", 0.0, 0.1)

    def default_x0(self):
        return np.array([1.0, 0.0])

    def rhs(self, t, x):
        return np.stack([x[..., 1], -x[..., 0]], -1)

    def config(self):
        return {"model": self.name}


class HandThree(Hand):
    name = "hand3_audit"

    def rhs(self, t, x):  # three components for a two-state system
        return np.stack([x[..., 1], -x[..., 0], x[..., 0]], -1)


class NeverCrossed(HodgkinHuxley):
    "HH whose observable threshold (+80 mV) the spikes never reach."

    observable = Observable("V", threshold=80.0, tolerance=5.0, top=-20.0, event="spike")


# ---------------------------------------------------------------------------------------------------------------
# Item 1: `train` is the function in every import order (each order in a fresh interpreter)
ORDERS = {
    "from pinode_sr import DatasetConfig, preset, train": "from pinode_sr import DatasetConfig, preset, train\ncfg = preset('smoke', seeds=(0,))",
    "submodule imported first": "import pinode_sr.training\nfrom pinode_sr import DatasetConfig, preset, train\ncfg = preset('smoke', seeds=(0,))",
    "ps.preset then ps.train": "import pinode_sr as ps\ncfg = ps.preset('smoke', seeds=(0,))\ntrain = ps.train",
    "star import after submodules": "import pinode_sr.training, pinode_sr.dataset\nfrom pinode_sr import *\ncfg = preset('smoke', seeds=(0,))",
    "train before preset, then submodule": "from pinode_sr import train\nimport pinode_sr.training\nfrom pinode_sr import preset\ncfg = preset('smoke', seeds=(0,))\nimport pinode_sr\nassert pinode_sr.train is train",
}


def _import_order(code):
    def go():
        probe = code + textwrap.dedent("""
            import types, inspect
            assert not isinstance(train, types.ModuleType), train
            assert callable(train) and 'cfg' in inspect.signature(train).parameters
            try:  # called with a bad argument: the function's own check, not "'module' object is not callable"
                train('smoke')
            except TypeError as e:
                assert 'cfg' in str(e), e
            print('ok')
        """)
        r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, cwd=ROOT)
        if r.returncode == 0 and r.stdout.strip().endswith("ok"):
            return "clean", "train is the function"
        return "silent", (r.stderr.strip().splitlines() or ["?"])[-1]

    return go


for label, code in ORDERS.items():
    check("1 train name clash", label, _import_order(code))


# ---------------------------------------------------------------------------------------------------------------
# Item 2: cache keys cover the equations and the observable
class EditedHH(HodgkinHuxley):
    "The same name and parameters as HodgkinHuxley, dV/dt 10 % faster."

    def equations(self, t, x, p, fn):
        dV, *rest = super().equations(t, x, p, fn)
        return (1.1 * dV, *rest)


class MovedHH(HodgkinHuxley):
    "The same name, parameters and equations, another observable threshold."

    observable = Observable("V", threshold=-10.0, tolerance=5.0, top=-20.0, event="spike")


def _edited_reference():
    d = TMP / "ref-edit"
    a = reference_trajectory(HH, t_end=10.0, dt_out=0.1, cache_dir=d)
    e = reference_trajectory(EditedHH(), t_end=10.0, dt_out=0.1, cache_dir=d)
    diff = float(np.abs(e.X - a.X).max())
    if e.from_cache or diff < 1.0:
        return "silent", f"edited equations returned the cached reference (from_cache={e.from_cache}, max diff {diff:.3g})"
    return "clean", f"recomputed (max diff {diff:.3g} from the original)"


check("2 cache keys", "reference of edited equations, same name", _edited_reference)

FAST = dict(phys_iters=5, joint_iters=2, eval_every=0, cycle_every=0, cycle_every_joint=0, t_eval_end=60.0)


def tiny(system=HH):
    return preset("smoke", seeds=(0,), **FAST, data=dataclasses.replace(preset("smoke").data, system=system))


_TRAINED = {}


def trained_root():
    "One finished tiny run in a temporary root (trained once); a fresh copy of the root per check."
    if "root" not in _TRAINED:
        root = TMP / "trained"
        load_or_train(tiny(), root=root, progress=False)
        _TRAINED["root"] = root
    n = len(_TRAINED)
    dst = TMP / f"runs-copy-{n}"
    shutil.copytree(_TRAINED["root"], dst)
    _TRAINED[n] = dst
    return dst


def _stale_run(system, what):
    def go():
        root = trained_root()
        out = load_or_train(tiny(system), root=root, progress=False)
        if out["from_cache"]:
            return "silent", f"the run trained under the old {what} was returned (from_cache=True)"
        return "clean", f"retrained (from_cache=False) for the other {what}"

    return go


# ---------------------------------------------------------------------------------------------------------------
# Item 3: damaged runs are not loaded
def _damage(kind):
    def go():
        from pinode_sr.core import file_sha256
        from pinode_sr.runs import RunFolder

        root = trained_root()
        f = RunFolder(tiny(), root, "pinode").path

        def reseal():
            m = json.loads((f / ".done").read_text())
            m["sha256"] = {k: file_sha256(f / k) for k in m["sha256"] if (f / k).exists()}
            (f / ".done").write_text(json.dumps(m))

        if kind == "empty .done":
            (f / ".done").write_text("")
        elif kind == "NaN weights (manifest resealed)":
            sd = torch.load(f / "model.pt")
            torch.save({k: torch.full_like(v, NAN) for k, v in sd.items()}, f / "model.pt")
            reseal()
        elif kind == "trajectory array missing":
            (f / "trajectory.npz").unlink()
        elif kind == "model.pt missing":
            (f / "model.pt").unlink()
        try:
            out = load_or_train(tiny(), root=root, progress=False)
        except Exception as e:  # noqa: BLE001
            return "clean", f"{type(e).__name__}: {str(e).splitlines()[0]}"
        return "silent", f"loaded with from_cache={out['from_cache']}"

    return go


# ---------------------------------------------------------------------------------------------------------------
# Item 5: crash leftovers and locks
def _leftovers():
    from pinode_sr.runs import RunFolder

    root = trained_root()
    folder = RunFolder(tiny(), root, "pinode")
    shutil.copytree(folder.path, root / f".trash-{folder.path.name}-dead0001")  # a crash right after the final rename
    folder.save_checkpoint({"iteration": 3})  # ... before the checkpoint was removed
    for _ in range(3):
        assert load_or_train(tiny(), root=root, progress=False)["from_cache"]
    left = sorted(p.name for p in root.iterdir())
    locks = sorted(p.name for p in (root / ".locks").iterdir()) if (root / ".locks").exists() else []
    if left != [".locks", folder.path.name] or len(locks) > 1:
        return "silent", f"left in the root: {left}; locks: {locks}"
    return "clean", f"root holds {left}, one lock file"


_REF_SCRIPT = textwrap.dedent("""
    import json, sys, warnings
    from pinode_sr import HodgkinHuxley, reference_trajectory
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tr = reference_trajectory(HodgkinHuxley(), t_end=5.0, dt_out=0.1, cache_dir=sys.argv[1])
    print(json.dumps({"from_cache": tr.from_cache, "X": tr.X[-1].tolist(), "warnings": [str(w.message) for w in caught]}))
""")


def _reference_race():
    d = TMP / "race"
    env = {**os.environ, "PINODE_SR_WRITE_DELAY": "reference:npz=1.5"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _REF_SCRIPT, str(d)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outs = []
    for p in procs:
        o, e = p.communicate(timeout=400)
        if p.returncode:
            return "unclear", e.strip().splitlines()[-1]
        outs.append(json.loads(o.strip().splitlines()[-1]))
    computed = sorted(o["from_cache"] for o in outs)
    said = [w for o in outs for w in o["warnings"]]
    if computed != [False, True] or said or outs[0]["X"] != outs[1]["X"]:
        return "silent", f"from_cache {computed}, warnings {said[:1]}"
    return "clean", "one process computed, the other waited and loaded it; no 'damaged' warning"


# ---------------------------------------------------------------------------------------------------------------
# Item 4: a NaN from the user's fun in solve_ivp(method=Rodas5P)
def _rodas_nan(after):
    from scipy.integrate import solve_ivp

    def fun(t, y):
        return -y * (NAN if t > after else 1.0)

    def go():
        try:
            r = solve_ivp(fun, (0.0, 1.0), [1.0], method=pinode_sr.Rodas5P)
        except Exception as e:  # noqa: BLE001
            msg = f"{type(e).__name__}: {str(e).splitlines()[0]}"
            if "dfdt" in str(e) and "fun" not in str(e):
                return "unclear", "blames dfdt: " + msg
            return ("clean" if "fun" in str(e) else "unclear"), msg
        if r.success:
            return "silent", "success with a NaN field"
        if "dfdt" in r.message and "fun" not in r.message:
            return "unclear", "blames dfdt: " + r.message
        return ("clean" if "fun" in r.message else "unclear"), f"status {r.status}: {r.message}"

    return go


def _zero_length_ivp():
    "scipy's own methods accept t_span=(t0, t0) and return y0 at t0: an OdeSolver plugged into solve_ivp must do the same."
    from scipy.integrate import solve_ivp

    f = lambda t, y: -y  # noqa: E731
    ours, theirs = (solve_ivp(f, (1.0, 1.0), [1.0, 2.0], method=m) for m in (pinode_sr.Rodas5P, "Radau"))
    same = ours.status == theirs.status and np.array_equal(ours.t, theirs.t) and np.array_equal(ours.y, theirs.y)
    if same:
        return "clean", f"as scipy's Radau: status {ours.status}, y = y0 at t0 (not an error under solve_ivp's contract)"
    return "silent", f"differs from scipy's Radau: {ours.status} {ours.y.tolist()} vs {theirs.status} {theirs.y.tolist()}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-runs", action="store_true", help="skip the checks that train a tiny run")
    ap.add_argument("--only", default="", help="run the cases whose group or label contains this")
    ap.add_argument("--json", default=None, help="also write the table here")
    args = ap.parse_args()
    # an unchecked giant allocation fails with MemoryError (classified unbounded) instead of taking the machine
    cap = 12 * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (cap, resource.getrlimit(resource.RLIMIT_AS)[1]))
    os.environ["PINODE_SR_MEMORY_LIMIT"] = os.environ.get("PINODE_SR_MEMORY_LIMIT", "8G")
    _register()
    if not args.skip_runs:
        _register_runs()
    rows = []
    for group, label, fn, arg, budget, hard in CASES:
        if args.only and args.only not in group and args.only not in label:
            continue
        cls, msg, dt = run_case(fn, arg, budget, hard)
        rows.append(dict(group=group, case=label, cls=cls, seconds=round(dt, 2), message=msg[:160]))
        print(f"{cls:9s} {dt:6.1f}s  [{group}] {label}: {msg[:160]}", flush=True)
    print()
    counts = {}
    for r in rows:
        counts[r["cls"]] = counts.get(r["cls"], 0) + 1
    print(f"{len(rows)} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    bad = [r for r in rows if r["cls"] != "clean"]
    for r in bad:
        print(f"NOT CLEAN: {r['cls']}: [{r['group']}] {r['case']}: {r['message']}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    shutil.rmtree(TMP, ignore_errors=True)
    return 1 if bad else 0


def _register_runs():
    check("2 cache keys", "run of edited equations, same name", _stale_run(EditedHH(), "equations"))
    check("2 cache keys", "run of another observable", _stale_run(MovedHH(), "observable"))
    for kind in ("empty .done", "NaN weights (manifest resealed)", "trajectory array missing", "model.pt missing"):
        check("3 damaged runs", kind, _damage(kind))
    check("5 leftovers", ".trash-* copy, stale checkpoint, .lock pile-up", _leftovers)


# the remaining registrations live in a function so the module's names are all defined first
def _register():  # noqa: C901
    check("4 solve_ivp Rodas5P", "fun NaN after t=0.5", _rodas_nan(0.5))
    check("4 solve_ivp Rodas5P", "fun NaN from t0", _rodas_nan(-1.0))
    check("5 reference lock", "two processes, one reference entry", _reference_race)

    # ---------------- Unclear
    G = "Unclear"
    add(G, "equations with an undefined parameter (at definition)", "nu", lambda: UndefinedParam())
    add(G, "equations with an undefined function (at definition)", "sigmoid", lambda: UndefinedFunction())
    add(G, "DynamicalSystem without a torch field (DatasetConfig)", "rhs_torch", lambda: DatasetConfig(system=Hand()))
    add(
        G,
        "DynamicalSystem without a torch field (preset)",
        "rhs_torch",
        lambda: preset("smoke", data=DatasetConfig(system=Hand())),
    )
    add(
        G,
        "observable threshold never crossed (needs the reference)",
        "threshold",
        lambda: pinode_sr.single_oscillation(DatasetConfig(system=NeverCrossed())),
        budget=120.0,
        hard=300.0,
    )
    rb = lambda starts, t_end: np.zeros((int(round(t_end / 0.1)) + 1, 1, len(starts), 4))  # noqa: E731
    add(G, "global_validity n_starts=0", "n_starts", lambda: global_validity(rb, HH, 0.1, n_starts=0))
    add(G, "global_validity n_starts=-3", "n_starts", lambda: global_validity(rb, HH, 0.1, n_starts=-3))
    add(G, "global_validity dt=0", "dt", lambda: global_validity(rb, HH, 0.0))
    add(G, "global_validity dt<0", "dt", lambda: global_validity(rb, HH, -0.1))
    add(G, "global_validity empty start set", "starts", lambda: global_validity(rb, HH, 0.1, starts=np.zeros((0, 4))))
    smoke = preset("smoke", seeds=(0,))
    prob = Problem(smoke)
    model = prob.model()
    run = {
        "state_dict": model.state_dict(),
        "config": {
            "hash": pinode_sr.core.config_hash(smoke),
            "type": "TrainConfig",
            "config": pinode_sr.core.config_dict(smoke),
        },
    }
    add(G, "load_model cfg a dict", "cfg", lambda: load_model(pinode_sr.core.config_dict(smoke), run))
    add(G, "load_model cfg None", "cfg", lambda: load_model(None, run))
    add(G, "load_model cfg a preset name", "cfg", lambda: load_model("smoke", run))
    add(G, "load_model run of another width", "width", lambda: load_model(preset("smoke", seeds=(0,), width=32), run))
    add(G, "load_model run of another K", "seeds", lambda: load_model(preset("smoke", seeds=(0, 1)), run))
    bare = {"state_dict": model.state_dict()}
    add(G, "load_model bare weights of another width", "run", lambda: load_model(preset("smoke", seeds=(0,), width=32), bare))
    add(G, "load_model bare weights of another K", "run", lambda: load_model(preset("smoke", seeds=(0, 1)), bare))
    add(G, "evaluate t_end NaN", "t_end", lambda: evaluate(model, prob, NAN))
    add(G, "evaluate t_end inf", "t_end", lambda: evaluate(model, prob, INF))
    add(G, "evaluate t_end too long (1e9)", "t_end", lambda: evaluate(model, prob, 1e9))
    add(G, "evaluate wrong model (a dict)", "model", lambda: evaluate({"w": 1}, prob))
    add(G, "evaluate wrong problem (a config)", "prob", lambda: evaluate(model, smoke))
    t = np.arange(0.0, 20.0, 0.05)
    y = np.sin(t)[:, None] * 30 - 60
    ok_id = dict(observed=[0], names=("g_Na",), p0=[100.0])
    add(G, "identify y with NaN", "y", lambda: identify(HH, t, np.where(t[:, None] > 5, NAN, y), **ok_id))
    add(G, "identify y 1-D", "y", lambda: identify(HH, t, y[:, 0], **ok_id))
    add(G, "identify y mismatched with t", "y", lambda: identify(HH, t, y[:-5], **ok_id))
    add(
        G,
        "identify observed index out of range",
        "observed",
        lambda: identify(HH, t, np.c_[y, y + 1], [0, 7], ("g_Na",), [100.0]),
    )
    w0 = prior_rates(pinode_sr.partial.partial_preset("smoke"), 0)
    add(G, "match_rates V with NaN", "V", lambda: match_rates(HH, t, np.where(t > 5, NAN, y[:, 0]), w0))
    add(G, "match_rates t with NaN", "t", lambda: match_rates(HH, np.where(t > 5, NAN, t), y[:, 0], w0))
    from scipy.integrate import solve_ivp

    add(G, "solve_ivp Rodas5P t_span ending at NaN", "t_span", lambda: solve_ivp(HH.rhs, (0, NAN), X0, method=pinode_sr.Rodas5P))
    add(G, "solve_ivp Rodas5P t_span ending at inf", "t_span", lambda: solve_ivp(HH.rhs, (0, INF), X0, method=pinode_sr.Rodas5P))
    add(
        G, "solve_ivp Rodas5P t_span ending at -inf", "t_span", lambda: solve_ivp(HH.rhs, (0, -INF), X0, method=pinode_sr.Rodas5P)
    )
    add(
        G,
        "solve_ivp AutoTsit5Rodas5P t_span NaN",
        "t_span",
        lambda: solve_ivp(HH.rhs, (0, NAN), X0, method=pinode_sr.AutoTsit5Rodas5P),
    )

    # ---------------- Silent
    G = "Silent"
    add(G, "rhs with 3 states for 2 names (SymbolicSystem)", "equations", lambda: ThreeStates())
    add(G, "rhs with 3 states for 2 names (hand-written, DatasetConfig)", "rhs", lambda: DatasetConfig(system=HandThree()))
    add(
        G,
        "rhs with 3 states (hand-written, reference_trajectory)",
        "rhs",
        lambda: reference_trajectory(HandThree(), t_end=1.0, cache_dir=False),
    )
    add(G, "rhs with 3 states (hand-written, solve_scipy)", "rhs", lambda: solve_scipy(HandThree(), (0, 1), [0.5, 1.0]))
    add(G, "Observable(event=3)", "event", lambda: Observable("V", 0.0, 5.0, event=3))
    per = Attractor("periodic", period=10.0)
    add(G, "agree period_tol < 0", "period_tol", lambda: agree(per, per, HH, period_tol=-0.1))
    add(G, "agree state_tol < 0", "state_tol", lambda: agree(per, per, HH, state_tol=-0.1))
    add(G, "load_model run of another lam", "lam", lambda: load_model(preset("smoke", seeds=(0,), lam=100.0), run))
    nan_run = {**run, "state_dict": {k: torch.full_like(v, NAN) for k, v in model.state_dict().items()}}
    add(G, "load_model NaN weights", "run", lambda: load_model(smoke, nan_run))
    add(G, "identify on two samples", "t", lambda: identify(HH, t[:2], y[:2], **ok_id))
    add(G, "identify a parameter the model lacks", "names", lambda: identify(HH, t, y, [0], ("g_Xx",), [1.0]))
    add(G, "identify p0 of the wrong length", "p0", lambda: identify(HH, t, y, [0], ("g_Na",), [100.0, 36.0]))
    yy = np.sin(np.arange(200) * 0.3)
    add(G, "noise_level NaN", "y", lambda: noise_level(np.where(np.arange(200) == 50, NAN, yy)))
    X = np.random.default_rng(0).standard_normal((300, 8))
    tt = np.linspace(0, 150, 300)
    add(G, "ensemble_band X with NaN", "X", lambda: ensemble_band(np.where(X > 2, NAN, X), 0.9))
    add(G, "ensemble_band level NaN", "level", lambda: ensemble_band(X, NAN))
    add(G, "calibration X with NaN", "X", lambda: calibration(tt, np.where(X > 2, NAN, X), X[:, 0]))
    add(G, "calibration ref with NaN", "ref", lambda: calibration(tt, X, np.where(tt > 20, NAN, X[:, 0])))
    add(G, "calibration reversed window", "window", lambda: calibration(tt, X, X[:, 0], window=(150.0, 15.0)))
    add(G, "calibration reversed corr_window", "corr_window", lambda: calibration(tt, X, X[:, 0], corr_window=(150.0, 100.0)))
    add(G, "calibration window NaN", "window", lambda: calibration(tt, X, X[:, 0], window=(NAN, 100.0)))
    add(G, "train lam=1e300", "lam", lambda: train(preset("smoke", seeds=(0,), lam=1e300), progress=False))
    add(G, "HHParams C=0", "C", lambda: HodgkinHuxley(HHParams(C=0.0)))
    add(G, "HHParams C<0", "C", lambda: HodgkinHuxley(HHParams(C=-1.0)))
    add(G, "HHParams g_K<0 (negative rate constant)", "g_K", lambda: HodgkinHuxley(HHParams(g_K=-36.0)))
    add(G, "MorrisLecar C=0", "C", lambda: MorrisLecar(MLParams(C=0.0)))
    add(G, "MorrisLecar phi<0 (negative rate)", "phi", lambda: MorrisLecar(MLParams(phi=-0.04)))
    add(G, "HHNetwork C=0", "C", lambda: hh_network_params(C=0.0))
    add(G, "HHNetwork alpha_r<0 (negative rate constant)", "alpha_r", lambda: hh_network_params(alpha_r=-1.0))
    add(G, "FitzHughNagumo eps=0", "eps", lambda: FitzHughNagumo(FHNParams(eps=0.0)))
    add(G, "FitzHughNagumo eps<0", "eps", lambda: FitzHughNagumo(FHNParams(eps=-0.08)))
    add(G, "Oregonator q=0", "q", lambda: Oregonator(OregonatorParams(q=0.0)))
    add(G, "Oregonator q<0", "q", lambda: Oregonator(OregonatorParams(q=-1e-5)))
    add(G, "Oregonator s=0", "s", lambda: Oregonator(OregonatorParams(s=0.0)))
    add(G, "Oregonator s<0", "s", lambda: Oregonator(OregonatorParams(s=-77.27)))
    add(G, "TysonOregonator q=0", "q", lambda: TysonOregonator(TysonOregonatorParams(q=0.0)))
    add(G, "TysonOregonator q<0", "q", lambda: TysonOregonator(TysonOregonatorParams(q=-0.01)))
    add(G, "TysonOregonator eps<=0", "eps", lambda: TysonOregonator(TysonOregonatorParams(eps=0.0)))

    # ---------------- Unbounded
    G = "Unbounded"
    add(
        G,
        "train 1024 seeds x width 4096",
        "width",
        lambda: train(preset("paper", seeds=tuple(range(1024)), width=4096), progress=False),
    )
    add(
        G,
        "train 1024 seeds x 1000 jittered copies",
        "n_copies",
        lambda: train(preset("paper", seeds=tuple(range(1024)), n_copies=1000), progress=False),
    )
    add(
        G,
        "load_or_train 1024 seeds x width 4096",
        "width",
        lambda: load_or_train(preset("paper", seeds=tuple(range(1024)), width=4096), root=TMP / "never", progress=False),
    )
    add(
        G,
        "train_pinn 1024 seeds x width 4096",
        "width",
        lambda: pinode_sr.train_pinn(pinode_sr.pinn_preset("paper", seeds=tuple(range(1024)), width=4096), progress=False),
    )
    add(G, "HH network of 100,000 neurons (params)", "N", lambda: hh_network_params(N=100_000))
    add(G, "HH network of 100,000 neurons (HHNetwork)", "N", lambda: HHNetwork(hh_network_params(N=100_000)))

    # ---------------- Remaining from before
    G = "Before"
    add(
        G,
        "string initial voltage (reference_trajectory x0)",
        "x0",
        lambda: reference_trajectory(HH, t_end=1.0, x0=["-65", 0.05, 0.6, 0.3], cache_dir=False),
    )
    add(
        G,
        "string initial state (reference_trajectory x0='-65')",
        "x0",
        lambda: reference_trajectory(HH, t_end=1.0, x0="-65", cache_dir=False),
    )
    add(G, "string initial voltage (HH.default_x0)", "V0", lambda: HH.default_x0("-65"))
    add(G, "string initial voltage (DatasetConfig x0)", "x0", lambda: DatasetConfig(x0=("-65", 0.05, 0.6, 0.3)))
    add(G, "string initial state (solve_scipy)", "x0", lambda: solve_scipy(HH, (0, 1), [0.5], x0="-65"))
    add(G, "string initial state (solve_rodas5p)", "y0", lambda: solve_rodas5p(HH.compiled(), (0, 1), "-65"))
    add(
        G,
        "state of the wrong length (reference_trajectory)",
        "x0",
        lambda: reference_trajectory(HH, t_end=1.0, x0=X0[:3], cache_dir=False),
    )
    add(G, "state of the wrong length (DatasetConfig)", "x0", lambda: DatasetConfig(x0=tuple(X0[:3])))
    add(G, "state of the wrong length (solve_scipy)", "x0", lambda: solve_scipy(HH, (0, 1), [0.5], x0=X0[:3]))
    add(G, "state of the wrong length (solve_rodas5p)", "y0", lambda: solve_rodas5p(HH.compiled(), (0, 1), X0[:3]))
    add(G, "state of the wrong length (solve_reference)", "x0", lambda: solve_reference(HH, (0, 1), [0.5], x0=X0[:3]))
    add(G, "zero-length interval (reference_trajectory)", "t_end", lambda: reference_trajectory(HH, t_end=0.0, cache_dir=False))
    add(G, "zero-length interval (solve_reference)", "t_span", lambda: solve_reference(HH, (1.0, 1.0), [1.0]))
    add(G, "zero-length interval (solve_scipy)", "t_span", lambda: solve_scipy(HH, (1.0, 1.0), [1.0]))
    add(G, "zero-length interval (solve_rodas5p)", "t_span", lambda: solve_rodas5p(HH.compiled(), (1.0, 1.0), X0))
    check(G, "zero-length interval (solve_ivp Rodas5P, scipy's contract)", _zero_length_ivp)
    add(G, "non-integer seed 1.5 (preset seeds)", "seeds", lambda: preset("smoke", seeds=(0, 1.5)))
    add(G, "non-integer seed 1.5 (DatasetConfig seed)", "seed", lambda: DatasetConfig(seed=1.5))
    add(G, "non-integer seed 1.5 (global_validity seed)", "seed", lambda: global_validity(rb, HH, 0.1, seed=1.5))
    add(G, "non-integer seed 1.5 (identify seed)", "seed", lambda: identify(HH, t, y, **ok_id, seed=1.5))
    add(G, "non-integer seed 1.5 (ensemble_band seed)", "seed", lambda: ensemble_band(X, 0.9, seed=1.5))
    add(G, "non-integer seed 1.5 (pinn_preset seeds)", "seeds", lambda: pinode_sr.pinn_preset("smoke", seeds=(1.5,)))
    add(
        G,
        "complex initial state (reference_trajectory)",
        "x0",
        lambda: reference_trajectory(HH, t_end=1.0, x0=X0 + 1e-3j, cache_dir=False),
    )
    add(G, "complex initial state (DatasetConfig)", "x0", lambda: DatasetConfig(x0=tuple(X0 + 1e-3j)))
    add(G, "complex initial state (solve_scipy)", "x0", lambda: solve_scipy(HH, (0, 1), [0.5], x0=X0 + 1e-3j))
    add(G, "complex initial state (solve_rodas5p)", "y0", lambda: solve_rodas5p(HH.compiled(), (0, 1), X0 + 1e-3j))
    add(
        G,
        "complex initial state (solve_ivp Rodas5P)",
        "y0",
        lambda: solve_ivp(HH.rhs, (0, 1), X0 + 1e-3j, method=pinode_sr.Rodas5P),
    )
    add(
        G,
        "string initial voltage (solve_rodas5p y0 entries)",
        "y0",
        lambda: solve_rodas5p(HH.compiled(), (0, 1), ["-65", 0.05, 0.6, 0.3]),
    )
    add(G, "complex initial state (solve_reference)", "x0", lambda: solve_reference(HH, (0, 1), [0.5], x0=X0 + 1e-3j))
    add(G, "complex initial state (rollout)", "x0", lambda: rollout(lambda t, x: -x, X0 + 1e-3j, np.arange(0, 1.01, 0.1), 0.05))
    add(G, "NaN through solvers.rollout (x0)", "x0", lambda: rollout(lambda t, x: -x, X0 * NAN, np.arange(0, 1.01, 0.1), 0.05))
    add(G, "NaN through solvers.rollout (t_obs)", "t_obs", lambda: rollout(lambda t, x: -x, X0, np.array([0.0, NAN, 1.0]), 0.05))
    add(G, "NaN through solvers.rollout (dt)", "dt", lambda: rollout(lambda t, x: -x, X0, np.arange(0, 1.01, 0.1), NAN))
    add(G, "NaN through model_rollout (starts)", "starts", lambda: model_rollout(model, 0.1)(np.full((2, 4), NAN), 1.0))
    tv = np.arange(0, 30.0001, 0.01)
    v = 50 * np.sin(2 * np.pi * tv / 10)
    add(G, "event_times t and y of different lengths", "t and y", lambda: event_times(tv, v[:-1]))
    add(G, "event_times t longer than y by 100", "t and y", lambda: event_times(tv, v[:-100]))
    XR = np.stack([v, np.cos(tv)], 1)
    add(G, "nrmse against a constant reference", "X_ref", lambda: nrmse(XR, np.ones_like(XR)))
    add(G, "nrmse against a constant 1-D reference", "X_ref", lambda: nrmse(v, np.full_like(v, 3.0)))


if __name__ == "__main__":
    sys.exit(main())
