"""Trust every cached result (issue 32): stale runs and references are recomputed, damage the checksums cannot see is
found, crash leftovers are cleaned, two processes on one reference entry compute it once, and the reference
functions refuse bad input up front.

A result's cache key is its config hash, which sees a system only by name and parameters; beside it every run folder
and reference entry records a content fingerprint (package code, each system's equations, observable, box, default
state). The tests here edit each of those under an unchanged hash and check that the stored result is never returned.
"""

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import warnings

import numpy as np
import pytest
import torch
from fuzzlib import expect_clear_error

from pinode_sr import core, load_or_train, preset
from pinode_sr.core import CorruptFile, StaleResult, config_hash, file_sha256
from pinode_sr.hh import HodgkinHuxley
from pinode_sr.reference import reference_trajectory, solve_reference
from pinode_sr.runs import RunFolder
from pinode_sr.system import Observable

NAN, INF = float("nan"), float("inf")
HH = HodgkinHuxley()
FAST = dict(phys_iters=5, joint_iters=2, eval_every=0, cycle_every=0, cycle_every_joint=0, t_eval_end=60.0)


class EditedHH(HodgkinHuxley):
    "The same name and parameters as HodgkinHuxley, other equations (dV/dt 10 % faster)."

    def equations(self, t, x, p, fn):
        dV, *rest = super().equations(t, x, p, fn)
        return (1.1 * dV, *rest)


class MovedHH(HodgkinHuxley):
    "The same name, parameters and equations, another observable threshold."

    observable = Observable("V", threshold=-10.0, tolerance=5.0, top=-20.0, event="spike")


def tiny(system=HH):
    return preset("smoke", seeds=(0,), **FAST, data=dataclasses.replace(preset("smoke").data, system=system))


TINY = tiny()


def quiet(fn):
    "Run fn, returning (result, the warnings it raised as text)."
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, " | ".join(str(w.message) for w in caught)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    "One finished tiny run, trained once for the module (its references cached in the session's scratch cache)."
    root = tmp_path_factory.mktemp("runs")
    return root, load_or_train(TINY, root=root, progress=False)


@pytest.fixture
def runs(trained, tmp_path):
    "A private copy of the trained root, and the run's folder in it."
    root = tmp_path / "runs"
    shutil.copytree(trained[0], root)
    return root, RunFolder(TINY, root, "pinode")


# ---------------------------------------------------------------------------------------------------------------
# Stale results: the same config hash, other content


def test_edited_equations_never_return_the_stale_run_or_reference(runs, tmp_path):
    root, folder = runs
    edited = tiny(EditedHH())
    assert config_hash(edited) == config_hash(TINY) and RunFolder(edited, root, "pinode").path == folder.path
    out, said = quiet(lambda: load_or_train(edited, root=root, progress=False))
    assert not out["from_cache"], "the run of the old equations was returned"
    assert "is stale (other equations of the system at cfg.data.system)" in said, said
    assert "reference cache entry" in said and "other equations" in said, said  # its data were recomputed too
    assert load_or_train(edited, root=root, progress=False)["from_cache"]  # the new run is now the cached one
    old, said = quiet(lambda: load_or_train(TINY, root=root, progress=False))  # and back: the original recomputed
    assert not old["from_cache"] and "other equations" in said
    # the reference itself: the edited model's own trajectory, never the cached one of the old equations
    a = reference_trajectory(HH, t_end=10.0, dt_out=0.1, cache_dir=tmp_path)
    e, said = quiet(lambda: reference_trajectory(EditedHH(), t_end=10.0, dt_out=0.1, cache_dir=tmp_path))
    assert e.meta["hash"] == a.meta["hash"] and not e.from_cache and "stale" in said
    assert np.abs(e.X - a.X).max() > 1.0


def test_changed_observable_never_returns_a_run_scored_with_the_old_one(runs):
    root, folder = runs
    moved = tiny(MovedHH())
    out, said = quiet(lambda: load_or_train(moved, root=root, progress=False))
    assert not out["from_cache"] and "other observable of the system at cfg.data.system" in said, said
    manifest = json.loads((folder.path / ".done").read_text())
    assert manifest["fingerprint"] == RunFolder(moved, root, "pinode").fingerprint  # the folder now holds the new run
    assert not RunFolder(TINY, root, "pinode").done  # ... which the original config does not take for its own


def test_changed_package_code_recomputes_the_run(runs, trained, monkeypatch):
    root, folder = runs
    monkeypatch.setattr(core, "code_fingerprint", lambda *roots: "f" * 64)  # as if a module on the science path changed
    assert not folder.done and not RunFolder(TINY, root, "pinode").done
    with pytest.raises(StaleResult, match="other package code"):
        RunFolder(TINY, root, "pinode").load()
    out, said = quiet(lambda: load_or_train(TINY, root=root, progress=False))
    assert not out["from_cache"] and "other package code" in said, said
    for a, b in zip(trained[1]["state_dict"].values(), out["state_dict"].values()):
        assert torch.equal(a, b)  # the same code in truth: the same bits
    assert load_or_train(TINY, root=root, progress=False)["from_cache"]


def test_a_run_of_the_older_manifest_format_is_stale(runs):
    root, folder = runs
    m = json.loads((folder.path / ".done").read_text())
    (folder.path / ".done").write_text(json.dumps({"format": 1, "hash": m["hash"], "sha256": m["sha256"]}))
    out, said = quiet(lambda: load_or_train(TINY, root=root, progress=False))
    assert not out["from_cache"] and "records no content fingerprint" in said, said


def test_fingerprint_leaves_config_hashes_alone():
    "The fingerprint sits beside the hash: the paper's config hashes (issue 27) do not move."
    assert config_hash(preset("paper")) == "01319dfa7b10"  # as on main before fingerprints
    assert RunFolder(preset("paper"), tempfile.gettempdir(), "pinode").path.name == "pinode-01319dfa7b10"
    assert set(core.content_fingerprint(TINY)["systems"]) == {"data.system"}


# ---------------------------------------------------------------------------------------------------------------
# Damage the checksums cannot see


def reseal(folder, drop=()):
    "Make the manifest match the folder's bytes again (dropping `drop`): only the other checks can find the damage."
    m = json.loads((folder.path / ".done").read_text())
    m["sha256"] = {k: file_sha256(folder.path / k) for k in m["sha256"] if k not in drop}
    (folder.path / ".done").write_text(json.dumps(m))


def nan_weights(folder):
    sd = torch.load(folder.path / "model.pt")
    torch.save({k: torch.full_like(v, NAN) if i == 0 else v for i, (k, v) in enumerate(sd.items())}, folder.path / "model.pt")
    reseal(folder)


def inf_weight(folder):
    sd = torch.load(folder.path / "model.pt")
    k = list(sd)[-1]
    sd[k] = sd[k].clone()
    sd[k].view(-1)[0] = INF
    torch.save(sd, folder.path / "model.pt")
    reseal(folder)


def drop_array(folder):
    with np.load(folder.path / "trajectory.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays.pop(sorted(arrays)[0])
    np.savez(folder.path / "trajectory.npz", **arrays)
    reseal(folder)


UNSEEN_DAMAGE = {
    "empty .done": (lambda f: (f.path / ".done").write_text(""), ".done: is empty"),
    "blank .done": (lambda f: (f.path / ".done").write_text("\n  \n"), ".done: is empty"),
    "null .done": (lambda f: (f.path / ".done").write_text("null"), ".done: is not a run manifest"),
    "nan weights, resealed": (nan_weights, "model.pt: holds non-finite weights (NaN or inf)"),
    "inf weight, resealed": (inf_weight, "model.pt: holds non-finite weights (NaN or inf)"),
    "array gone, resealed": (drop_array, "trajectory.npz: lacks the arrays"),
    "model.pt deleted": (lambda f: (f.path / "model.pt").unlink(), "model.pt: is missing"),
    "trajectory.npz deleted": (lambda f: (f.path / "trajectory.npz").unlink(), "trajectory.npz: is missing"),
    "trajectory.npz unlisted": (lambda f: reseal(f, drop=("trajectory.npz",)), ".done: does not list trajectory.npz"),
}


@pytest.mark.parametrize("kind", list(UNSEEN_DAMAGE))
def test_damage_is_reported_not_loaded(kind, runs):
    root, folder = runs
    damage, says = UNSEEN_DAMAGE[kind]
    damage(folder)
    with pytest.raises(CorruptFile) as err:
        load_or_train(TINY, root=root, progress=False)
    assert says in str(err.value) and str(folder.path) in str(err.value) and "retrain=True" in str(err.value), str(err.value)
    again = load_or_train(TINY, root=root, progress=False, retrain=True)  # the way out
    assert load_or_train(TINY, root=root, progress=False)["from_cache"] and not again["from_cache"]


def test_non_finite_weights_are_never_saved(tmp_path):
    with pytest.raises(ValueError, match=r"state_dict\['w'\] holds NaN or inf"):
        RunFolder(TINY, tmp_path, "pinode").write(state_dict={"w": torch.tensor([0.0, NAN])})
    assert not any(tmp_path.glob("pinode-*")) and not any(tmp_path.glob(".staging-*"))


# ---------------------------------------------------------------------------------------------------------------
# Crash leftovers


def test_crash_leftovers_are_cleaned_on_the_next_load(runs):
    root, folder = runs
    trash = root / f".trash-{folder.path.name}-dead0001"
    shutil.copytree(folder.path, trash)  # a crash right after the final rename ...
    folder.save_checkpoint({"iteration": 3})  # ... before the checkpoint was removed
    stage = root / f".staging-{folder.path.name}-dead0002"
    stage.mkdir()
    tmp = root / f".{folder.checkpoint_path.name}.x1.tmp"
    tmp.write_bytes(b"half a checkpoint")
    assert load_or_train(TINY, root=root, progress=False)["from_cache"]
    left = sorted(p.name for p in root.iterdir())
    assert left == [".locks", folder.path.name], left
    assert [p.name for p in (root / ".locks").iterdir()] == [folder.lock_path.name]  # lock files together, out of the way


def test_reference_tmp_leftovers_are_cleaned(tmp_path):
    a = reference_trajectory(HH, t_end=5.0, dt_out=0.1, cache_dir=tmp_path)
    strays = [tmp_path / "reference" / f".{a.meta['hash']}{ext}.abc123.tmp" for ext in (".npz", ".json")]
    for s in strays:
        s.write_bytes(b"half")
    assert reference_trajectory(HH, t_end=5.0, dt_out=0.1, cache_dir=tmp_path).from_cache
    assert not any(s.exists() for s in strays)


# ---------------------------------------------------------------------------------------------------------------
# Two processes, one reference entry
_REF_SCRIPT = textwrap.dedent("""
    import json, sys, warnings
    warnings.simplefilter("always")
    from pinode_sr.hh import HodgkinHuxley
    from pinode_sr.reference import reference_trajectory
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tr = reference_trajectory(HodgkinHuxley(), t_end=5.0, dt_out=0.1, cache_dir=sys.argv[1])
    print(json.dumps({"from_cache": tr.from_cache, "X": tr.X[-1].tolist(), "warnings": [str(w.message) for w in caught]}))
""")


@pytest.mark.parametrize("step", ["reference:locked", "reference:npz"])
def test_two_processes_one_reference(step, tmp_path):
    "The writer is slowed at `step` (before solving; between its .npz and its .json): one computes, the other loads it."
    env = {**os.environ, "PINODE_SR_WRITE_DELAY": f"{step}=1.5", "OMP_NUM_THREADS": "1"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _REF_SCRIPT, str(tmp_path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        outs.append(json.loads(out.strip().splitlines()[-1]))
    assert sorted(o["from_cache"] for o in outs) == [False, True], outs  # computed once
    assert outs[0]["X"] == outs[1]["X"]
    assert not [w for o in outs for w in o["warnings"]], outs  # no "damaged ... recomputing"
    names = sorted(p.name for p in (tmp_path / "reference").iterdir())
    assert len(names) == 3 and names[0] == ".locks", names  # the entry's .json and .npz, and the lock folder


# ---------------------------------------------------------------------------------------------------------------
# Bad input to the reference functions: a clear error naming the argument, before any work
T = np.linspace(0.0, 1.0, 11)
X0 = HH.default_x0()
CASES = [
    ("solve_reference x0 string", lambda: solve_reference(HH, (0, 1), T, x0="-65"), "x0"),
    ("solve_reference x0 string entries", lambda: solve_reference(HH, (0, 1), T, x0=["-65", 0.05, 0.6, 0.3]), "x0"),
    ("solve_reference x0 too short", lambda: solve_reference(HH, (0, 1), T, x0=X0[:3]), "x0"),
    ("solve_reference x0 too long", lambda: solve_reference(HH, (0, 1), T, x0=np.append(X0, 0.0)), "x0"),
    ("solve_reference x0 3-D", lambda: solve_reference(HH, (0, 1), T, x0=X0[None, None]), "x0"),
    ("solve_reference x0 empty batch", lambda: solve_reference(HH, (0, 1), T, x0=np.zeros((0, 4))), "x0"),
    ("solve_reference x0 complex", lambda: solve_reference(HH, (0, 1), T, x0=X0 + 1e-3j), "x0"),
    ("solve_reference x0 complex, zero imaginary", lambda: solve_reference(HH, (0, 1), T, x0=X0 + 0j), "x0"),
    ("solve_reference x0 nan", lambda: solve_reference(HH, (0, 1), T, x0=np.where(np.arange(4) == 1, NAN, X0)), "x0"),
    ("solve_reference x0 inf", lambda: solve_reference(HH, (0, 1), T, x0=np.where(np.arange(4) == 0, INF, X0)), "x0"),
    ("solve_reference x0 bools", lambda: solve_reference(HH, (0, 1), T, x0=[True] * 4), "x0"),
    ("solve_reference zero-length span", lambda: solve_reference(HH, (1.0, 1.0), [1.0]), "t_span"),
    ("solve_reference reversed span", lambda: solve_reference(HH, (1.0, 0.0), [0.5]), "t_span"),
    ("solve_reference span nan", lambda: solve_reference(HH, (0.0, NAN), T), "t_span"),
    ("solve_reference span inf", lambda: solve_reference(HH, (-INF, 1.0), T), "t_span"),
    ("solve_reference span string", lambda: solve_reference(HH, ("0", 1.0), T), "t_span"),
    ("solve_reference span complex", lambda: solve_reference(HH, (0.0, 1 + 1j), T), "t_span"),
    ("solve_reference span one number", lambda: solve_reference(HH, 1.0, T), "t_span"),
    ("solve_reference t_eval nan", lambda: solve_reference(HH, (0, 1), [0.0, NAN]), "t_eval"),
    ("solve_reference t_eval complex", lambda: solve_reference(HH, (0, 1), T + 0j), "t_eval"),
    ("solve_reference t_eval outside", lambda: solve_reference(HH, (0, 1), [0.5, 2.0]), "t_eval"),
    ("solve_reference t_eval empty", lambda: solve_reference(HH, (0, 1), []), "t_eval"),
    ("solve_reference rtol below the floor", lambda: solve_reference(HH, (0, 1), T, rtol=1e-20), "rtol"),
    ("solve_reference rtol nan", lambda: solve_reference(HH, (0, 1), T, rtol=NAN), "rtol"),
    ("solve_reference atol zero", lambda: solve_reference(HH, (0, 1), T, atol=0.0), "atol"),
    ("solve_reference model a class", lambda: solve_reference(HodgkinHuxley, (0, 1), T), "model"),
    ("reference_trajectory x0 string", lambda: reference_trajectory(HH, t_end=1.0, x0="-65", cache_dir=False), "x0"),
    ("reference_trajectory x0 too short", lambda: reference_trajectory(HH, t_end=1.0, x0=X0[:2], cache_dir=False), "x0"),
    ("reference_trajectory x0 batch", lambda: reference_trajectory(HH, t_end=1.0, x0=np.stack([X0, X0]), cache_dir=False), "x0"),
    ("reference_trajectory x0 complex", lambda: reference_trajectory(HH, t_end=1.0, x0=X0 + 1j, cache_dir=False), "x0"),
    ("reference_trajectory x0 nan", lambda: reference_trajectory(HH, t_end=1.0, x0=X0 * NAN, cache_dir=False), "x0"),
    ("reference_trajectory zero-length", lambda: reference_trajectory(HH, t_end=0.0, cache_dir=False), "t_end"),
    ("reference_trajectory t0 = t_end", lambda: reference_trajectory(HH, t0=5.0, t_end=5.0, cache_dir=False), "t_end"),
    ("reference_trajectory t_end nan", lambda: reference_trajectory(HH, t_end=NAN, cache_dir=False), "t_end"),
    ("reference_trajectory t_end inf", lambda: reference_trajectory(HH, t_end=INF, cache_dir=False), "t_end"),
    ("reference_trajectory t_end string", lambda: reference_trajectory(HH, t_end="10", cache_dir=False), "t_end"),
    ("reference_trajectory t_end complex", lambda: reference_trajectory(HH, t_end=10 + 0j, cache_dir=False), "t_end"),
    ("reference_trajectory t0 nan", lambda: reference_trajectory(HH, t0=NAN, cache_dir=False), "t0"),
    ("reference_trajectory dt_out nan", lambda: reference_trajectory(HH, dt_out=NAN, cache_dir=False), "dt_out"),
    ("reference_trajectory dt_out > span", lambda: reference_trajectory(HH, t_end=1.0, dt_out=2.0, cache_dir=False), "dt_out"),
    ("reference_trajectory too many steps", lambda: reference_trajectory(HH, t_end=1e9, cache_dir=False), "t_end"),
    (
        "reference_trajectory rtol below the floor",
        lambda: reference_trajectory(HH, t_end=1.0, rtol=1e-16, cache_dir=False),
        "rtol",
    ),
    ("reference_trajectory cache_dir int", lambda: reference_trajectory(HH, t_end=1.0, cache_dir=3), "cache_dir"),
    ("reference_trajectory cache_dir True", lambda: reference_trajectory(HH, t_end=1.0, cache_dir=True), "cache_dir"),
    ("reference_trajectory cache_dir a file", lambda: reference_trajectory(HH, t_end=1.0, cache_dir=__file__), "cache_dir"),
    ("reference_trajectory solver", lambda: reference_trajectory(HH, t_end=1.0, solver="rk4", cache_dir=False), "solver"),
    ("reference_trajectory model a string", lambda: reference_trajectory("hh", t_end=1.0), "model"),
]


@pytest.mark.parametrize("label,fn,arg", CASES, ids=[c[0] for c in CASES])
def test_reference_bad_input_fails_clearly(label, fn, arg):
    expect_clear_error(label, fn, arg)
