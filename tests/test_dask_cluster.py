"""The sweep on a real Dask cluster: a scheduler and two workers started with the `dask` command line as separate
processes (as on several machines, here all on this one), one worker SIGKILLed while it trains.

The run it held is retried on the other worker (resuming from its checkpoint), nothing is lost or duplicated, and
every run is bit-identical to the same configs trained in this process. `make figures SCHEDULER=tcp://host:port`
uses the same path (tools/make_figures.py: `sweep(..., executor="dask", address=...)`).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
DASK = Path(sys.executable).parent / "dask"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tiny(seed: int):
    "A smoke config of a few seconds, with checkpoints every 40 iterations (so a killed run has one to resume)."
    from pinode_sr.training import preset

    return preset("smoke", seeds=(seed,), phys_iters=200, joint_iters=10, eval_every=0, checkpoint_every=40, t_eval_end=30.0)


@pytest.fixture
def cluster(tmp_path):
    "A `dask scheduler` and two `dask worker --nthreads 1 --no-nanny` processes; all of them ended afterwards."
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), "PINODE_SR_CACHE": str(tmp_path / "cache")}
    env.pop("PINODE_SR_RUNS", None)
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = {}

    def start(name, *args):
        out = open(logs / f"{name}.log", "w")
        procs[name] = subprocess.Popen([str(DASK), *args], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)

    try:
        start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
        for w in ("w1", "w2"):  # no nanny: the worker process is the one we kill, and nothing restarts it
            start(w, "worker", address, "--nthreads", "1", "--no-nanny", "--name", w, "--no-dashboard")
        with distributed.Client(address, timeout=30) as c:
            c.wait_for_workers(2, timeout=60)
        yield address, procs, env
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if any(p.returncode not in (0, -signal.SIGTERM, -signal.SIGKILL, 143, 1) for p in procs.values()):
            sys.stderr.write("".join((logs / f"{n}.log").read_text() for n in procs))


def _arrays(path: Path) -> dict:
    with np.load(path / "trajectory.npz") as z:
        out = {k: z[k] for k in z.files}
    out |= {f"model.{k}": v.numpy() for k, v in torch.load(path / "model.pt", weights_only=True).items()}
    return out


def test_worker_killed_mid_run_is_retried_elsewhere_bit_identical(cluster, tmp_path, monkeypatch):
    from pinode_sr.sweep import run_folder, sweep

    address, procs, env = cluster
    monkeypatch.setenv("PINODE_SR_CACHE", env["PINODE_SR_CACHE"])
    cfgs = [tiny(0), tiny(1)]
    root = tmp_path / "runs-dask"
    out, err = {}, {}

    def go():
        try:
            out["res"] = sweep(cfgs, root=root, executor="dask", address=address, progress=False)
        except BaseException as e:  # noqa: BLE001 (reported below)
            err["e"] = e

    t = threading.Thread(target=go)
    t.start()
    # Wait until a worker trains one of the runs and has written a checkpoint, then SIGKILL that worker.
    victim, folder = None, None
    with distributed.Client(address, timeout=30) as c:
        deadline = time.time() + 120
        while victim is None and time.time() < deadline and t.is_alive():
            names = {a: w["name"] for a, w in c.scheduler_info()["workers"].items()}
            for addr, keys in c.processing().items():
                for key in keys:
                    for cfg in cfgs:
                        f = run_folder(cfg, root)
                        if str(key).startswith(f.path.name) and f.checkpoint_path.exists():
                            victim, folder = names[addr], f
            time.sleep(0.05)
    assert victim is not None, "no run was seen training with a checkpoint (the runs finished too fast?)"
    procs[victim].send_signal(signal.SIGKILL)
    procs[victim].wait(10)
    t.join(180)
    assert not t.is_alive(), "the sweep did not finish after a worker was killed"
    assert "e" not in err, f"the sweep failed: {err.get('e')!r}"
    res = out["res"]
    survivor = ({"w1", "w2"} - {victim}).pop()

    # Nothing lost: every config has its finished run; the killed one ran again on the other worker.
    assert [r["hash"] for r in res] == [run_folder(c, root).hash for c in cfgs]
    assert all(run_folder(c, root).done and not r["from_cache"] for c, r in zip(cfgs, res))
    killed = next(r for r in res if r["path"] == folder.path)
    assert killed["worker"] is not None and str(procs[survivor].pid) in killed["worker"], (killed["worker"], victim)
    # Nothing duplicated or left behind: exactly the two run folders, no staging/trash folder, no checkpoint.
    entries = sorted(p.name for p in root.iterdir() if p.name != ".locks")
    assert entries == sorted(run_folder(c, root).path.name for c in cfgs), entries
    assert not folder.checkpoint_path.exists()

    # Bit-identical to the same configs trained in this process (serial executor, a fresh root).
    local = tmp_path / "runs-local"
    sweep(cfgs, root=local, executor="serial", progress=False)
    for c in cfgs:
        a, b = _arrays(run_folder(c, root).path), _arrays(run_folder(c, local).path)
        assert a.keys() == b.keys()
        for k in a:
            assert a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k], equal_nan=True), (c.seeds, k)
    shutil.rmtree(local)
