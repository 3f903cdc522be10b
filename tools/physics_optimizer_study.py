"""The physics phase's optimizer: Adam (the paper's schedule) against L-BFGS, paper preset (K = 8), CPU seconds of this process.

    python tools/physics_optimizer_study.py adam 0 adam.json         # the paper's physics phase, then its joint phase
    python tools/physics_optimizer_study.py lbfgs 90 lbfgs.json      # 90 CPU s of L-BFGS on the physics loss, then the joint phase

Writes the physics (and joint) losses against CPU seconds and the run's per-member frequency errors; bench/speed.md
section 4 reports one pair of runs. JOINT=n in the environment cuts the joint phase to n iterations (a quick try).
"""

import dataclasses
import json
import os
import sys
import time

import numpy as np
import torch

import pinode_sr.loop as loop
from pinode_sr.training import preset, Problem, NeuralODETask, phases, _cycle_points
from pinode_sr.residuals import model_residual

torch.set_num_threads(1)
mode, budget, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
cfg = preset("paper")  # auto: the compiled kernel on the CPU
prob = Problem(cfg)
task = NeuralODETask(prob)
ph_phys, ph_joint = phases(cfg)
if os.environ.get("JOINT"):
    ph_joint = dataclasses.replace(ph_joint, n=int(os.environ["JOINT"]))


class _CPU:
    perf_counter = staticmethod(time.process_time)


rec = []
t0 = time.process_time()
if mode == "adam":
    loop.time = _CPU
    n = int(sys.argv[4]) if len(sys.argv) > 4 else cfg.phys_iters
    ph = dataclasses.replace(ph_phys, n=n) if n != ph_phys.n else ph_phys
    # the physics phase alone, then the joint phase, as a run does
    r = loop.fit(task, [ph, ph_joint], cfg.clip, 50, 0, 0, None, False)
    for e in r["log"]["loss"]:
        rec.append({"it": e["iteration"], "cpu_s": e["seconds"], "phase": e["phase"], "phys": e["phys"], "data": e["data"]})
else:
    model = task.model
    opt = torch.optim.LBFGS(
        model.parameters(),
        lr=1.0,
        max_iter=20,
        history_size=20,
        line_search_fn="strong_wolfe",
        tolerance_grad=1e-12,
        tolerance_change=1e-14,
    )
    outer, nfev = 0, 0
    while time.process_time() - t0 < budget:
        # the Adam schedule's points: observations + jitter; own-cycle points every 25 outer steps after the first 100
        if outer >= 100 and outer % 25 == 0:
            task.col.set_cycle(_cycle_points(model, prob))
        pts = task.points()
        f = prob.true_field(pts)

        def closure():
            global nfev
            nfev += 1
            opt.zero_grad()
            l = model_residual(model, pts, f, prob.s_res_t, None, getattr(prob, "kernel", cfg.kernel))
            l.sum().backward()
            return l.sum()

        opt.step(closure)
        with torch.no_grad():
            l = model_residual(model, pts, f, prob.s_res_t, None, getattr(prob, "kernel", cfg.kernel))
        rec.append({"outer": outer, "nfev": nfev, "cpu_s": time.process_time() - t0, "phase": "physics", "phys": l.tolist()})
        outer += 1
        if not torch.isfinite(l).all():
            break
    loop.time = _CPU
    r = loop.fit(task, [ph_joint], cfg.clip, 50, 0, 0, None, False)
    tj = rec[-1]["cpu_s"]
    for e in r["log"]["loss"]:
        rec.append({"it": e["iteration"], "cpu_s": tj + e["seconds"], "phase": e["phase"], "phys": e["phys"], "data": e["data"]})
m = r["metrics"]["members"]
res = {
    "mode": mode,
    "records": rec,
    "freq_error_pct": [x["freq_error_pct"] for x in m],
    "within": r["metrics"].get("summary"),
    "cpu_s": time.process_time() - t0,
}
json.dump(res, open(out, "w"), default=float)
f = [abs(x) for x in res["freq_error_pct"]]
print(mode, "cpu", round(res["cpu_s"]), "median |f|", round(float(np.median(f)), 3), "worst", round(max(f), 3))
