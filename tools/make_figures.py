"""`make figures`: every run the figures need in one up-front sweep, then each paper_figures/ notebook, all timed.

    python tools/make_figures.py --preset smoke [--jobs 2] [--scheduler tcp://host:8786] [--only fig02_extrapolation]

1. One sweep trains every run that the paper figures *and* the beyond figures need (`figure_configs`), longest
   first, on one pool of `--jobs` worker processes (or on a Dask cluster with `--scheduler`): no notebook trains
   its own. Finished runs in the run cache are skipped.
2. Each paper_figures/*.ipynb runs with papermill (alphabetically), as the Makefile always did. An IPython startup
   file (tools/run_log.py, run by tools/ipython's kernel config) records which run folders each notebook opened.
3. `<figures out>/timing.json` (paper_figures/out/ or out-<preset>/) gets the end-to-end wall time, every run's
   train and worker seconds, each notebook's wall and CPU seconds and share, the runs each figure used, the
   machine (CPU model, cores, load at start and end), the git commit and whether the caches were empty at start.
   `python tools/timing_table.py <timing.json>` renders it as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "paper_figures"
IPYTHONDIR = ROOT / "tools" / "ipython"
RUN_LOG_ENV = "PINODE_SR_RUN_LOG"  # read by tools/run_log.py in each kernel
RUN_LOG_ROOT_ENV = "PINODE_SR_RUN_LOG_ROOT"
PAPER_FIGURES = ("table1", "fig02_extrapolation", "fig03_gating", "fig04_training", "fig05_ablations", "fig06_seeds")
# neuron_shared's field evaluates one MLP per neuron through the torch path: ~12x a paper run (1,605 s vs 128 s)
_FIELD_COST = {"neuron_shared": 12.0}


def out_name(preset: str) -> str:
    "The figures' output folder under paper_figures/, as the Makefile names it."
    return "out" if preset == "paper" else f"out-{preset}"


def figure_configs(preset: str) -> dict[str, list]:
    "{notebook stem: [configs it loads]}: what each paper_figures/ notebook trains or loads (fig01 and fig07 need no run)."
    from pinode_sr.ablations import paper_configs
    from pinode_sr.beyond import BEYOND_METHODS, RECIPES, SMOKE_MODELS, beyond_config
    from pinode_sr.partial import partial_config
    from pinode_sr.training import preset as train_preset

    paper = paper_configs(preset)
    names = tuple(RECIPES) if preset == "paper" else SMOKE_MODELS  # load_beyond_runs' default
    out = {nb: paper for nb in PAPER_FIGURES}
    out["beyond1_models"] = [beyond_config(n, m, preset) for n in names for m in BEYOND_METHODS]
    out["beyond2_network"] = [beyond_config(n, m, preset) for n in ("hh_network", "hh_network_shared") for m in BEYOND_METHODS]
    out["beyond3_validity"] = [beyond_config(n, "pinode_sr", preset) for n in names] + [train_preset(preset)]
    partial = ("identify_1", "identify_5", "identify_5_randomised", "missing_n_1")
    out["beyond4_identification"] = [partial_config(n, preset) for n in partial]
    out["beyond5_uncertainty"] = [partial_config(n, preset) for n in ("identify_5", "identify_5_randomised")]
    return out


def folder_name(cfg) -> str:
    from pinode_sr.sweep import run_folder

    return run_folder(cfg).path.name


def estimated_cost(cfg, previous: dict[str, float]) -> float:
    "Seconds a run took last time (a previous timing.json), else a rough relative cost: to start the longest first."
    from pinode_sr.ablations import _cost

    name = folder_name(cfg)
    if name in previous:
        return previous[name]
    base = getattr(cfg, "base", cfg)  # a PartialConfig trains its base TrainConfig's schedule (plus stage 1)
    cost = 100.0 * _cost(base) * _FIELD_COST.get(getattr(base, "vector_field", "mlp"), 1.0)
    return cost * (1.3 if base is not cfg else 1.0)


def machine() -> dict:
    "The CPU model, cores and what this process may use."
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    import torch

    return {
        "cpu_model": model or platform.processor() or None,
        "cores": os.cpu_count(),
        "usable_cores": cpus,
        "hostname": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
    }


def git_state() -> dict:
    "The commit and whether the working tree differs from it (paper_figures/ outputs aside)."

    def git(*a):
        r = subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else None

    status = git("status", "--porcelain", "--untracked-files=no")
    changed = [ln[3:] for ln in (status or "").splitlines() if not ln[3:].startswith("paper_figures/out")]
    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(changed), "changed": changed[:20]}


def cache_state() -> dict:
    "Where the run and reference caches are and how much they held (empty: a cold start)."
    from pinode_sr.reference import default_cache_dir
    from pinode_sr.runs import runs_root

    runs, cache = runs_root(), default_cache_dir()
    n_runs = sum(1 for p in runs.glob("*-*/.done")) if runs.is_dir() else 0
    refs = [p for p in cache.iterdir() if p.resolve() != runs.resolve()] if cache.is_dir() else []
    n_refs = sum(1 for d in refs for f in (d.rglob("*") if d.is_dir() else [d]) if f.is_file())
    return {"runs_root": str(runs), "finished_runs": n_runs, "cache_dir": str(cache), "other_cache_files": n_refs,
            "empty": n_runs == 0 and n_refs == 0}  # fmt: skip


def cpu_children() -> float:
    "CPU seconds (user + system) of this process's finished children and their descendants."
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load_avg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def train_all(
    preset: str, jobs: int, scheduler: str | None, previous: dict[str, float], retrain: bool, only: list[str] | None = None
) -> dict:
    "The up-front sweep over every config the figures need (those in `only`, if given); returns the per-figure map and each run's record."
    from pinode_sr.core import config_hash
    from pinode_sr.sweep import sweep

    need = figure_configs(preset)
    if only is not None:  # `--only fig02_extrapolation`: train what those notebooks load, nothing more
        need = {nb: cfgs for nb, cfgs in need.items() if nb in only}
    unique = {}
    for cfgs in need.values():
        for c in cfgs:
            unique.setdefault(folder_name(c), c)
    order = sorted(unique, key=lambda k: estimated_cost(unique[k], previous), reverse=True)
    how = f"Dask scheduler {scheduler}" if scheduler else f"{jobs} worker processes"
    print(f"== {len(order)} runs for {len(need)} figures (preset={preset}) on {how}; finished ones are skipped", flush=True)
    w0, c0, s0 = time.perf_counter(), cpu_children(), cpu_self()
    kw = dict(executor="dask", address=scheduler) if scheduler else dict(executor="process")
    res = sweep([unique[k] for k in order], n_workers=jobs, progress=True, retrain=retrain, **kw)
    wall = time.perf_counter() - w0
    runs = {}
    for k, r in zip(order, res):
        timing = r.get("timing") or {}
        runs[k] = {
            "type": r["type"],
            "hash": r["hash"],
            "config_hash": config_hash(unique[k]),
            "trained_now": not r["from_cache"],
            "worker": r["worker"],
            "worker_seconds": round(r["seconds"], 3),  # wall time of the call on its worker (0 when cached)
            "train_seconds": timing.get("total_seconds"),  # the manifest's training time (from when it was trained)
            "ms_per_iteration": timing.get("ms_per_iteration"),
            "figures": sorted(nb for nb, cfgs in need.items() if any(folder_name(c) == k for c in cfgs)),
        }
    summary = {
        "wall_seconds": round(wall, 3),
        # pool workers are this process's children: their CPU time counts once they exit (not a Dask cluster's)
        "cpu_seconds": None if scheduler else round(cpu_children() - c0 + cpu_self() - s0, 3),
        "executor": "dask" if scheduler else "process",
        "scheduler": scheduler,
        "workers": None if scheduler else jobs,
        "n_runs": len(runs),
        "n_trained": sum(r["trained_now"] for r in runs.values()),
        "train_seconds_trained": round(sum(r["train_seconds"] or 0 for r in runs.values() if r["trained_now"]), 3),
    }
    print(
        f"== runs ready in {wall:.0f} s: {summary['n_trained']} trained, {len(runs) - summary['n_trained']} cached",
        flush=True,
    )
    return {"need": {nb: sorted({folder_name(c) for c in cfgs}) for nb, cfgs in need.items()}, "runs": runs, "summary": summary}


def papermill(nb: str, executed: str, preset: str, out: str) -> None:
    """Execute a figure notebook with papermill, in its folder, with the parameters `make figures` passes.

    Its kernel is shut down without the SIGINT that jupyter_client (>= 8) sends every kernel before a graceful
    shutdown: that signal races the kernel's last request (nbclient asks for `kernel_info` right before shutting
    down), and when it lands before the kernel has left that handler — a loaded machine delays the kernel there —
    ipykernel logs `[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.`. The notebook has finished by then,
    so there is nothing to interrupt.
    """
    import logging

    import papermill as pm
    from jupyter_client.manager import AsyncKernelManager

    class NoInterruptAtShutdown(AsyncKernelManager):
        async def _async_interrupt_kernel(self) -> None:
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

    logging.basicConfig(level=logging.ERROR, format="%(message)s")
    pm.execute_notebook(
        nb,
        executed,
        parameters={"preset": preset, "out_dir": out},
        kernel_name="python3",
        cwd=str(FIGURES),
        progress_bar=False,
        kernel_manager_class=NoInterruptAtShutdown,
    )


def run_notebook(nb: Path, preset: str, out: str, runs_root: Path) -> dict:
    "Execute one figure notebook with papermill (`papermill`, in a process of its own), timed; its output passes through."
    executed = FIGURES / "executed" / f"{nb.stem}.{preset}.ipynb"
    executed.parent.mkdir(exist_ok=True)
    with tempfile.NamedTemporaryFile("r", prefix="pinode-sr-runlog-", suffix=".txt", delete=False) as f:
        log = Path(f.name)
    env = {**os.environ, "IPYTHONDIR": str(IPYTHONDIR), "OMP_NUM_THREADS": "1", RUN_LOG_ENV: str(log)}
    env[RUN_LOG_ROOT_ENV] = str(runs_root.absolute())
    code = f"import sys; sys.path.insert(0, {str(ROOT / 'tools')!r}); import make_figures as m; m.papermill(*sys.argv[1:])"
    cmd = [sys.executable, "-c", code, str(nb), str(executed), preset, out]
    source = nb.read_bytes()
    w0, c0 = time.perf_counter(), cpu_children()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - w0, cpu_children() - c0
    sys.stdout.write(p.stdout)
    sys.stderr.write(p.stderr)
    used = sorted(set(log.read_text().split())) if log.exists() else []
    log.unlink(missing_ok=True)
    text = p.stdout + p.stderr
    if p.returncode == 0 and (preset, out) == ("smoke", "out-smoke"):
        docs_copy(executed, nb, source, wall)
    return {
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),  # papermill and its kernel (and any worker the kernel started)
        "ok": p.returncode == 0,
        "kernel_errors": [ln for ln in text.splitlines() if "[IPKernelApp] ERROR" in ln],
        "runs_used": used,
    }


def docs_copy(executed: Path, nb: Path, source: bytes, seconds: float) -> None:
    "The smoke run of a figure notebook, stamped for the docs build (docs/conf.py shows it instead of executing it)."
    import hashlib

    d = json.loads(executed.read_text(encoding="utf-8"))
    d["cells"] = [c for c in d["cells"] if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    d["metadata"]["pinode_sr_executed"] = {  # the docs build injects the same parameters itself (hidden)
        "by": "make figures PRESET=smoke",
        "source_sha256": hashlib.sha256(source).hexdigest(),
        "seconds": round(seconds, 3),
        "parameters": {"preset": "smoke", "out_dir": "out-smoke"},
    }
    executed_root = Path(os.environ.get("PINODE_SR_EXECUTED") or ROOT / "docs" / "_build" / "executed")
    atomic_json(executed_root / "paper_figures" / nb.name, d)


def atomic_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(obj, indent=1) + "\n")
    os.replace(tmp, path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="paper", choices=("paper", "smoke"))
    ap.add_argument("--jobs", type=int, default=2, help="worker processes of the up-front sweep (default 2)")
    ap.add_argument("--scheduler", default=None, help="a Dask scheduler address (tcp://host:port): train the runs there")
    ap.add_argument(
        "--only", nargs="*", default=None, help="notebook stems to execute, training only the runs they load (default: every one)"
    )
    ap.add_argument("--no-train", action="store_true", help="skip the up-front sweep (each notebook trains what it lacks)")
    ap.add_argument("--retrain", action="store_true", help="train every run again")
    a = ap.parse_args(argv)
    if a.jobs < 1:
        ap.error(f"--jobs must be >= 1, got {a.jobs}")
    if a.scheduler is not None and not a.scheduler.strip():
        a.scheduler = None  # `make figures SCHEDULER=` (empty): local workers
    if a.scheduler is not None and "://" not in a.scheduler:
        ap.error(f"--scheduler must be an address like tcp://host:8786, got {a.scheduler!r}")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.path.insert(0, str(ROOT))
    from pinode_sr.runs import runs_root

    notebooks = sorted(FIGURES.glob("*.ipynb"))
    if a.only is not None:
        unknown = sorted(set(a.only) - {p.stem for p in notebooks})
        if unknown:
            ap.error(f"--only: no such notebook(s) {unknown}; known: {[p.stem for p in notebooks]}")
        notebooks = [p for p in notebooks if p.stem in a.only]
    out = out_name(a.preset)
    path = FIGURES / out / "timing.json"
    previous = {}
    if path.exists():
        try:
            old = json.loads(path.read_text())
            previous = {k: r["train_seconds"] for k, r in old.get("runs", {}).items() if r.get("train_seconds")}
        except (ValueError, KeyError, TypeError):
            pass
    t0, started = time.perf_counter(), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    report = {
        "preset": a.preset,
        "started": started,
        "command": "make figures" + ("" if a.preset == "paper" else f" PRESET={a.preset}"),
        "git": git_state(),
        "machine": machine(),
        "load_avg_start": load_avg(),
        "caches_at_start": cache_state(),
    }
    if a.no_train:
        report["training"] = None
        need, runs = {}, {}
    else:
        tr = train_all(a.preset, a.jobs, a.scheduler, previous, a.retrain, a.only)
        report["training"], need, runs = tr["summary"], tr["need"], tr["runs"]
    report["runs"] = runs
    print(
        f"== figures (preset={a.preset}): outputs in paper_figures/{out}, executed notebooks in paper_figures/executed",
        flush=True,
    )
    figs = {}
    for nb in notebooks:
        r = run_notebook(nb, a.preset, out, runs_root())
        r["runs_pretrained"] = need.get(nb.stem, [])
        r["runs_trained_in_notebook"] = [k for k in r["runs_used"] if k not in runs] if runs or need else []
        figs[nb.stem] = r
        status = "done" if r["ok"] else "FAILED"
        print(f"== {nb.stem} (preset={a.preset}) {status} in {r['wall_seconds']:.0f} s", flush=True)
    total = time.perf_counter() - t0
    nb_total = sum(r["wall_seconds"] for r in figs.values())
    for r in figs.values():
        r["share_of_notebooks"] = round(r["wall_seconds"] / nb_total, 4) if nb_total else None
        r["share_of_total"] = round(r["wall_seconds"] / total, 4)
        # the training of the runs this figure uses (a run several figures use counts for each of them)
        r["train_seconds_of_runs"] = round(sum(runs[k]["train_seconds"] or 0 for k in r["runs_used"] if k in runs), 3)
    report |= {
        "figures": figs,
        "notebooks_wall_seconds": round(nb_total, 3),
        "wall_seconds": round(total, 3),
        "load_avg_end": load_avg(),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "failed": [k for k, r in figs.items() if not r["ok"]],
    }
    atomic_json(path, report)
    sys.path.insert(0, str(ROOT / "tools"))
    from timing_table import render

    print(render(report))
    print(f"== make figures (preset={a.preset}) took {total:.0f} s; timing in {path.relative_to(ROOT)}", flush=True)
    if report["failed"]:
        print(f"== failed: {', '.join(report['failed'])} (tracebacks above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
