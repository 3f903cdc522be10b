"""Where `make figures`' training time goes: every run it needs, timed over a bounded number of iterations.

    python tools/run_costs.py [--preset paper] [--physics 40] [--joint 12] [--kernel auto,compiled] [--only NAME ...]
                              [--out bench/run_costs.json]

For every run `tools/make_figures.py` trains (`figure_configs`), one bounded copy of its config is trained here in
this process (one thread): the same config with each phase cut to `--physics` / `--joint` iterations (a PINN's Adam
phase to `--physics`), a loss entry every iteration, no evaluation or checkpoint in between. Times are CPU seconds of
this one-thread process (the loop's clock is pointed at `time.process_time`), so other jobs on a busy machine do not
inflate them; on an idle machine they are its wall times. Each phase's cost is the median of the per-iteration times (the log's timestamps), so a one-off own-cycle refresh at a phase start is not
counted; the projection is that median times the full config's iterations — iterations only: the periodic
evaluations, own-cycle refreshes, setup and a partial run's stage 1 come on top (the bounded run's CPU time less its
phases' is printed as `other`, measured: setup, stage 1, the final evaluation).

With `--kernel auto,compiled` each run that the compiled kernel can train (the paper's MLP field, Heun, tanh,
backprop) is timed under both, alternating, `--repeats` times each: the ratio of the medians, in one process.
The output is a JSON list (one entry per run and kernel) and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))


def full_iterations(cfg) -> dict[str, int]:
    "{phase: iterations} of the full run (what the projection multiplies)."
    from pinode_sr.partial import PartialConfig
    from pinode_sr.pinn import PINNConfig

    if isinstance(cfg, PINNConfig):
        return {"adam": cfg.iters}
    b = cfg.base if isinstance(cfg, PartialConfig) else cfg
    if b.schedule == "joint":
        return {"joint": b.joint_iters}
    return {"physics": b.phys_iters, "joint": b.joint_iters}


def bounded(cfg, n_phys: int, n_joint: int, kernel: str | None):
    "The same run with each phase cut short, a loss entry every iteration, no evaluation or checkpoint in between."
    from pinode_sr.partial import PartialConfig
    from pinode_sr.pinn import PINNConfig

    keep = dict(eval_every=0, checkpoint_every=0, log_every=1)
    if isinstance(cfg, PINNConfig):
        return dataclasses.replace(cfg, iters=min(cfg.iters, n_phys), **keep)
    b = cfg.base if isinstance(cfg, PartialConfig) else cfg
    nb = dataclasses.replace(
        b, phys_iters=min(b.phys_iters, n_phys), joint_iters=min(b.joint_iters, n_joint), **keep,
        **({"kernel": kernel} if kernel else {}),
    )  # fmt: skip
    return dataclasses.replace(cfg, base=nb) if isinstance(cfg, PartialConfig) else nb


def kernel_used(cfg) -> str:
    "What integrates the rollouts: the config's kernel as `resolve_kernel` settles it ('fused' = numpy, 'compiled' = numba, 'torch')."
    from pinode_sr.partial import PartialConfig
    from pinode_sr.pinn import PINNConfig

    if isinstance(cfg, PINNConfig):
        return "torch (PINN)"
    b = cfg.base if isinstance(cfg, PartialConfig) else cfg
    if b.solver != "heun":
        return f"wmethod {b.solver}"
    if b.vector_field != "mlp":
        return f"torch ({b.vector_field})"
    if b.kernel != "auto":
        return b.kernel
    ok = (b.method, b.activation, b.gradient) == ("heun", "tanh", "backprop")
    return ("fused" if ok else "torch") + ("" if not isinstance(cfg, PartialConfig) else " (partial)")


def compiled_allowed(cfg) -> bool:
    from pinode_sr.core import check_choice  # noqa: F401 (the package imports cleanly)
    from pinode_sr.training import TrainConfig

    return (
        isinstance(cfg, TrainConfig)
        and cfg.vector_field == "mlp"
        and cfg.solver == "heun"
        and (cfg.method, cfg.activation, cfg.gradient) == ("heun", "tanh", "backprop")
    )


class _CPUClock:
    "`time` for the loop, with perf_counter reading CPU seconds (one thread: the run's own work, whatever else runs)."

    perf_counter = staticmethod(time.process_time)


def time_run(cfg, n_phys: int, n_joint: int, kernel: str | None = None) -> dict:
    "Train the bounded copy; each phase's per-iteration CPU times (ms) and the rest of its CPU time."
    import pinode_sr.loop as loop

    b = bounded(cfg, n_phys, n_joint, kernel)
    loop.time = _CPUClock  # the loop's clock reads this process's CPU time: other jobs on the machine do not count
    try:
        t0 = time.process_time()
        res = loop.train(b, folder=None, progress=False)
        wall = time.process_time() - t0
    finally:
        loop.time = time
    log = res["log"]
    per = {}
    for ph in log["phase_iterations"]:
        s = [e["seconds"] for e in log["loss"] if e["phase"] == ph]
        per[ph] = [1e3 * (y - x) for x, y in zip(s, s[1:])]
    return {"ms": per, "wall_s": wall, "other_s": wall - sum(log["phase_seconds"].values())}


def describe(cfg) -> str:
    "The fields that differ from the paper preset (or from the preset the run starts from), short."
    from pinode_sr.core import config_dict
    from pinode_sr.partial import PartialConfig
    from pinode_sr.pinn import PINNConfig
    from pinode_sr.training import preset

    if isinstance(cfg, PINNConfig):
        return f"PINN collocation={cfg.collocation}"
    if isinstance(cfg, PartialConfig):
        return f"partial learn={','.join(cfg.learn)} missing={cfg.missing} randomise={cfg.randomise}"
    a, p = config_dict(cfg), config_dict(preset("paper"))
    out = []
    for k, v in a.items():
        if k == "data":
            sysname = v.get("system", {}).get("model")
            if sysname != "hodgkin_huxley":
                out.append(sysname)
            out += [f"data.{kk}={vv}" for kk, vv in v.items() if kk != "system" and p["data"].get(kk) != vv]
        elif p.get(k) != v and k not in ("cycle_t0", "cycle_t1", "cycle_dt", "t_eval_end"):
            out.append(f"{k}={v}")
    return " ".join(out) or "the paper run"


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="paper")
    ap.add_argument("--physics", type=int, default=40, help="iterations timed in the physics (PINN: Adam) phase")
    ap.add_argument("--joint", type=int, default=12, help="iterations timed in the joint phase")
    ap.add_argument("--kernel", default="auto", help="comma-separated kernels to time where allowed, e.g. auto,compiled")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--only", nargs="*", help="run folder names (e.g. pinode-01319dfa7b10)")
    ap.add_argument("--out", default=None, help="the JSON list of every timing")
    ap.add_argument(
        "--recorded", default=None, help="a run cache (e.g. the last regeneration's): its logs' full-run ms/iteration too"
    )
    ap.add_argument("--md", default=None, help="also write the Markdown table here")
    ap.add_argument("--render", nargs="*", help="no timing: render the table from these --out files (with --recorded, --md)")
    a = ap.parse_args(argv)
    if a.render:
        results = [r for f in a.render for r in json.loads(Path(f).read_text())]
        for r in results:
            if r["kernel"] == "auto" and a.recorded:
                r["recorded"] = recorded(Path(a.recorded) / r["run"])
        print(table(results))
        if a.md:
            Path(a.md).write_text(table(results) + "\n")
        return results

    import torch
    from make_figures import figure_configs, folder_name

    torch.set_num_threads(1)
    runs: dict[str, tuple] = {}
    for nb, cfgs in figure_configs(a.preset).items():
        for c in cfgs:
            runs.setdefault(folder_name(c), (c, []))[1].append(nb)
    kernels = a.kernel.split(",")
    results = []
    for name, (cfg, nbs) in runs.items():
        if a.only and name not in a.only:
            continue
        ks = [k for k in kernels if k == "auto" or compiled_allowed(cfg)]
        timings = {k: [] for k in ks}
        for _ in range(a.repeats):
            for k in ks:
                timings[k].append(time_run(cfg, a.physics, a.joint, None if k == "auto" else k))
        full = full_iterations(cfg)
        for k in ks:
            ms = {ph: statistics.median([statistics.median(t["ms"][ph]) for t in timings[k]]) for ph in full}
            rec = {
                "run": name, "figures": sorted(set(nbs)), "config": describe(cfg), "kernel": k,
                "kernel_used": kernel_used(cfg) if k == "auto" else k, "iterations": full, "ms_per_iteration": ms,
                "projected_iteration_s": sum(full[ph] * ms[ph] / 1e3 for ph in full),
                "other_s": statistics.median(t["other_s"] for t in timings[k]), "repeats": a.repeats,
                "timed_iterations": {ph: len(timings[k][0]["ms"][ph]) + 1 for ph in full},
            }  # fmt: skip
            if k == "auto" and a.recorded:
                rec["recorded"] = recorded(Path(a.recorded) / name)
            results.append(rec)
            print(json.dumps(rec), flush=True)
    if a.out:
        Path(a.out).write_text(json.dumps(results, indent=1))
    print(table(results))
    if a.md:
        Path(a.md).write_text(table(results) + "\n")
    return results


def recorded(folder: Path) -> dict | None:
    "A finished run's own record: {phase: [iterations, seconds]} from its log.json (wall seconds of that run), or None."
    f = folder / "log.json"
    if not f.is_file():
        return None
    log = json.loads(f.read_text())
    order = sorted(
        log["phase_iterations"], key=lambda k: ("physics", "joint", "adam").index(k) if k in ("physics", "joint", "adam") else 9
    )
    return {k: [log["phase_iterations"][k], log["phase_seconds"][k]] for k in order}  # physics, then joint


def table(results: list[dict]) -> str:
    "The Markdown table: one row per run (and kernel), longest first, with its share of the projected total."
    auto = [r for r in results if r["kernel"] == "auto"]
    total = sum(r["projected_iteration_s"] for r in auto) or 1.0
    rows = [
        "| run | config | figures | kernel used | iterations | ms/iteration | projected s | share | other s | recorded ms/it (s) |",
        "|:--|:--|:--|:--|--:|--:|--:|--:|--:|--:|",
    ]
    for r in sorted(results, key=lambda r: -r["projected_iteration_s"]):
        it = " + ".join(f"{v} {k}" for k, v in r["iterations"].items())
        ms = " / ".join(f"{v:.1f}" for v in r["ms_per_iteration"].values())
        share = f"{100 * r['projected_iteration_s'] / total:.1f} %" if r["kernel"] == "auto" else "—"
        figs = ", ".join(f.split("_")[0] for f in r["figures"])
        rows.append(
            f"| {r['run']} | {r['config']} | {figs} | {r['kernel_used']} | {it} | {ms} | {r['projected_iteration_s']:.0f} "
            f"| {share} | {r['other_s']:.0f} | {_recorded(r.get('recorded'))} |"
        )
    rows.append(f"| **total** (kernel auto) | | | | | | **{total:.0f}** ({total / 60:.1f} min of one core) | 100 % | | |")
    return "\n".join(rows)


def _recorded(rec: dict | None) -> str:
    if not rec:
        return "—"
    ms = " / ".join(f"{1e3 * s / max(n, 1):.1f}" for n, s in rec.values())
    return f"{ms} ({sum(s for _, s in rec.values()):.0f})"


if __name__ == "__main__":
    main()
