"""Where `make figures`' training time goes: every run it needs, timed over a bounded number of iterations.

    python tools/run_costs.py [--preset paper] [--physics 50] [--joint 12] [--kernel auto,compiled] [--repeats 1]
                              [--only NAME ...] [--out bench/run_costs.json] [--recorded RUN_CACHE] [--md FILE]
    python tools/run_costs.py --render bench/run_costs.json [--recorded RUN_CACHE] [--md bench/run_costs.md]

For every run `tools/make_figures.py` trains (`figure_configs`), one bounded copy of its config is trained here in
this process (one thread): the same config with each phase cut to `--physics` / `--joint` iterations (a PINN's Adam
phase to `--physics`), a loss entry every iteration, no evaluation or checkpoint in between. Times are CPU seconds
of this one-thread process (the loop's clock is pointed at `time.process_time`), so other jobs on a busy machine do
not count; on an idle machine they are its wall times. Each phase's cost is the median of the per-iteration times
(the log's timestamps), so a one-off own-cycle refresh at a phase start is not counted; the projection is that
median times the full config's iterations — iterations only: the periodic evaluations, own-cycle refreshes, setup
and a partial run's stage 1 come on top (the bounded run's CPU time less its phases' is printed as `other`).

With `--kernel auto,compiled` (or `fused,compiled`: the numpy kernel, what "auto" trained before it picked the
compiled one) each run that the compiled kernel can train (the paper's MLP field, Heun, tanh, backprop) is timed
under both, alternating, `--repeats` times each: the ratio of the medians, in one process. The output is a JSON
list (one entry per run and kernel) and a Markdown table (one row per run, longest first).
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
    import pinode_sr.training as training

    if not isinstance(cfg, PartialConfig) and hasattr(training, "run_kernel") and training.run_kernel(b) == "compiled":
        return "compiled"  # a training run's "auto" picks the compiled kernel where it applies (06_training.run_kernel)
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


def labels(preset: str) -> dict[str, str]:
    "{run folder: what it is in the figures}: table 1's method, the ablation cell, the beyond model and method, the partial run."
    from make_figures import folder_name
    from pinode_sr.ablations import ablation_grid
    from pinode_sr.baselines import PAPER_COMPARISON, method_config
    from pinode_sr.beyond import BEYOND_METHODS, RECIPES, beyond_config
    from pinode_sr.partial import PARTIAL_RUNS, partial_config

    out: dict[str, list] = {}
    for n in PAPER_COMPARISON:
        out.setdefault(folder_name(method_config(n, preset)), []).append(f"table 1 {n}")
    for g, cells in ablation_grid(preset).items():
        for lab, c in cells:
            out.setdefault(folder_name(c), []).append(f"fig05 {g}: {lab}")
    for n in RECIPES:
        for m in BEYOND_METHODS:
            out.setdefault(folder_name(beyond_config(n, m, preset)), []).append(f"{n} {m}")
    for n in PARTIAL_RUNS:
        out.setdefault(folder_name(partial_config(n, preset)), []).append(f"partial {n}")
    return {k: v[0] + (f" (+{len(v) - 1} more)" if len(v) > 1 else "") for k, v in out.items()}


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
        names = labels(a.preset)
        for r in results:
            r["label"] = r.get("label") or names.get(r["run"], "")
            if r["kernel"] != "compiled" and a.recorded:
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
    names = labels(a.preset)
    results = []
    for name, (cfg, nbs) in runs.items():
        if a.only and name not in a.only:
            continue
        # "fused" and "compiled" where they apply; elsewhere the run's own "auto" stands in for the baseline
        ks = list(dict.fromkeys(k if k == "auto" or compiled_allowed(cfg) else "auto" for k in kernels))
        if "compiled" in kernels and not compiled_allowed(cfg):
            ks = ["auto"]
        timings = {k: [] for k in ks}
        for _ in range(a.repeats):
            for k in ks:
                timings[k].append(time_run(cfg, a.physics, a.joint, None if k == "auto" else k))  # alternating kernels
        full = full_iterations(cfg)
        for k in ks:
            ms = {ph: statistics.median([statistics.median(t["ms"][ph]) for t in timings[k]]) for ph in full}
            rec = {
                "run": name, "label": names.get(name, ""), "figures": sorted(set(nbs)), "config": describe(cfg), "kernel": k,
                "kernel_used": kernel_used(cfg) if k == "auto" else k, "iterations": full, "ms_per_iteration": ms,
                "projected_iteration_s": sum(full[ph] * ms[ph] / 1e3 for ph in full),
                "other_s": statistics.median(t["other_s"] for t in timings[k]), "repeats": a.repeats,
                "timed_iterations": {ph: len(timings[k][0]["ms"][ph]) + 1 for ph in full},
            }  # fmt: skip
            if k != "compiled" and a.recorded:
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
    "The Markdown table: one row per run, longest first (kernel auto), with its share, and the compiled kernel's cost beside it where timed."
    by: dict[str, dict] = {}
    for r in results:
        by.setdefault(r["run"], {})[r["kernel"]] = r
    base = lambda v: v.get("auto") or v.get("fused") or next(iter(v.values()))  # noqa: E731 (the baseline: auto, else fused)
    total = sum(base(v)["projected_iteration_s"] for v in by.values()) or 1.0
    after = sum(v.get("compiled", base(v))["projected_iteration_s"] for v in by.values())
    rows = [
        "| run | what | figures | kernel (auto) | iterations | ms/iteration | projected s | share | compiled ms/iteration "
        "| compiled s | ratio | recorded ms/it (s) |",
        "|:--|:--|:--|:--|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    ms = lambda r: " / ".join(f"{v:.1f}" for v in r["ms_per_iteration"].values())  # noqa: E731
    for name, v in sorted(by.items(), key=lambda kv: -base(kv[1])["projected_iteration_s"]):
        a, c = base(v), v.get("compiled")
        it = " + ".join(f"{n} {k}" for k, n in a["iterations"].items())
        figs = ", ".join(f.split("_")[0] for f in a["figures"])
        comp = (
            f"{ms(c)} | {c['projected_iteration_s']:.0f} | {a['projected_iteration_s'] / c['projected_iteration_s']:.2f}×"
            if c
            else "— | — | —"
        )
        rows.append(
            f"| {name} | {a.get('label') or a['config']} | {figs} | {a['kernel_used']} | {it} | {ms(a)} | {a['projected_iteration_s']:.0f} "
            f"| {100 * a['projected_iteration_s'] / total:.1f} % | {comp} | {_recorded(a.get('recorded'))} |"
        )
    rows.append(
        f"| **total** | | | | | | **{total:.0f}** ({total / 60:.1f} min) | 100 % | | **{after:.0f}** ({after / 60:.1f} min) "
        f"| {total / after:.2f}× | |"
    )
    return "\n".join(rows)


def _recorded(rec: dict | None) -> str:
    if not rec:
        return "—"
    ms = " / ".join(f"{1e3 * s / max(n, 1):.1f}" for n, s in rec.values())
    return f"{ms} ({sum(s for _, s in rec.values()):.0f})"


if __name__ == "__main__":
    main()
