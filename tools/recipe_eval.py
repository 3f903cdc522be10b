"""Global validity of trained PI-NODE-SR ensembles on a grid over the box (issue 26, part 1's measurement).

    python tools/recipe_eval.py RUN_DIR [RUN_DIR ...] [--per-axis 5] [--out result.json]

RUN_DIR is a finished run folder (config.json + model.pt). Starts: a uniform grid over the system's box
(`per-axis` points per state) plus, for Hodgkin–Huxley, the gates at their steady state for V in -80..40 mV
every 5 mV. Each start is rolled out for 300 ms (2 × the 150 ms horizon) with the run's Heun step; a start
"reaches the true attractor" when the rollout spikes in 150–300 ms with a mean late period within 2 % of the
true limit cycle's. Counted over the starts from which the TRUE field, rolled out with the same Heun step,
reaches it (that fraction is reported too, and the LSODA truth's classes beside it). Also: each member's fixed
point near each true fixed point (Newton on the learned field) with its eigenvalues.
Run with the package on PYTHONPATH whose code matches the runs (main's for /work/paper_cache).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)

T_END, T_LATE, PERIOD_TOL, SAVE = 300.0, 150.0, 0.02, 2


def grid_starts(system, per_axis: int) -> np.ndarray:
    box = system.box
    axes = [np.linspace(lo, hi, per_axis) for lo, hi in box]
    g = np.array(list(itertools.product(*axes)), dtype=float)
    if system.name.lower().startswith("hodgkin") or type(system).__name__ == "HodgkinHuxley":
        from pinode_sr.hh import steady_state_gates

        V = np.arange(-80.0, 40.0 + 1e-9, 5.0)
        ss = np.array([[v, *np.ravel(steady_state_gates(v))] for v in V])
        g = np.vstack([g, ss])
    return g


def true_fixed_points(system, starts: np.ndarray) -> list[np.ndarray]:
    "Newton with the exact Jacobian from every start; distinct converged roots inside the box."
    roots = []
    box = system.box
    for x in starts:
        x = x.copy()
        for _ in range(60):
            f = system.rhs(0.0, x)
            J = system.jacobian(0.0, x)
            try:
                dx = np.linalg.solve(J, -f)
            except np.linalg.LinAlgError:
                break
            x = x + dx
            if not np.all(np.isfinite(x)):
                break
            if np.linalg.norm(dx) < 1e-10 * (1 + np.linalg.norm(x)):
                break
        if np.all(np.isfinite(x)) and np.all(np.abs(system.rhs(0.0, x)) < 1e-8) and np.all((x >= box[:, 0]) & (x <= box[:, 1])):
            if not any(np.allclose(x, r, atol=1e-6 * (box[:, 1] - box[:, 0]).max()) for r in roots):
                roots.append(x)
    return roots


def learned_jacobian(model, x: torch.Tensor) -> torch.Tensor:
    "(K, D, D) Jacobian of each member at its own point x (K, D)."
    D = x.shape[-1]
    cols = []
    for k in range(D):
        v = torch.zeros_like(x[:, None, :])
        v[..., k] = 1.0
        _, jv = torch.func.jvp(model, (x[:, None, :],), (v,))
        cols.append(jv[:, 0])
    return torch.stack(cols, -1)


def learned_fixed_points(model, x_true: np.ndarray) -> list[dict]:
    "Newton on each member from the true fixed point (float64 copy of the model)."
    m = model.double()
    x = torch.tensor(np.broadcast_to(x_true, (m.K, len(x_true))).copy())
    with torch.no_grad():
        for _ in range(50):
            f = m(x[:, None, :])[:, 0]
            J = learned_jacobian(m, x)
            x = x - (torch.linalg.pinv(J) @ f[..., None])[..., 0]  # pinv: a member with a singular Jacobian stays finite
        f = m(x[:, None, :])[:, 0]
        J = learned_jacobian(m, x)
    model.float()
    out = []
    for k in range(m.K):
        ev = np.linalg.eigvals(J[k].numpy())
        out.append(
            {
                "x": x[k].numpy().round(4).tolist(),
                "residual": float(f[k].abs().max()),
                "max_re": float(ev.real.max()),
                "eig": [complex(e) for e in sorted(ev, key=lambda e: -e.real)[:2]],
            }
        )
    return out


def heun_true(system, starts: np.ndarray, dt: float, n: int, save: int) -> np.ndarray:
    x = torch.tensor(starts, dtype=torch.float64)
    out = [x.numpy().copy()]
    with torch.no_grad():
        for i in range(n):
            k1 = system.rhs_torch(0.0, x)
            k2 = system.rhs_torch(0.0, x + dt * k1)
            x = x + 0.5 * dt * (k1 + k2)
            x = torch.where(torch.isfinite(x), x, torch.tensor(float("nan"), dtype=x.dtype))
            if (i + 1) % save == 0:
                out.append(x.numpy().copy())
    return np.stack(out)  # (T, B, D)


def late_period(t, v, threshold):
    "Mean interval between upward threshold crossings in the late window, or NaN with < 3 crossings / non-finite."
    late = t >= T_LATE - 1e-9
    y = v[late]
    if not np.all(np.isfinite(y)):
        return np.nan
    tt = t[late]
    up = np.nonzero((y[:-1] < threshold) & (y[1:] >= threshold))[0]
    if len(up) < 3:
        return np.nan
    tc = tt[up] + (threshold - y[up]) / (y[up + 1] - y[up]) * (tt[up + 1] - tt[up])
    return float(np.mean(np.diff(tc)))


def truth(system, starts, cache_path=None):
    if cache_path and os.path.exists(cache_path):
        z = np.load(cache_path)
        if z["starts"].shape == starts.shape and np.allclose(z["starts"], starts):
            return z["P_lsoda"], z["P_heun"], float(z["P_star"])
    from pinode_sr.reference import solve_reference

    dt = 0.05
    t = np.arange(0, int(round(T_END / dt)) + 1, SAVE) * dt
    j, thr = system.observable_index, system.observable.threshold
    P_lsoda = np.full(len(starts), np.nan)  # the LSODA truth per start: minutes of CPU on a busy machine; opt-in
    if os.environ.get("RECIPE_LSODA"):
        X, _ = solve_reference(system, (0.0, t[-1]), t, starts, solver="LSODA", rtol=1e-9, atol=1e-9)
        P_lsoda = np.array([late_period(t, x[:, j], thr) for x in X])
    Xc, _ = solve_reference(system, (0.0, t[-1]), t, system.default_x0(), solver="LSODA", rtol=1e-9, atol=1e-9)
    P_star = late_period(t, Xc[:, j], thr)
    H = heun_true(system, starts, dt, int(round(T_END / dt)), SAVE)
    P_heun = np.array([late_period(t, H[:, b, j], thr) for b in range(len(starts))])
    if cache_path:
        np.savez(cache_path, starts=starts, P_lsoda=P_lsoda, P_heun=P_heun, P_star=P_star)
    return P_lsoda, P_heun, P_star


def evaluate_run(run_dir, cfg, per_axis=5, truth_cache=None, chunk=128):
    from pinode_sr.gradients import rollout_nograd
    from pinode_sr.training import Problem

    system = cfg.data.system
    model = Problem(cfg).model()
    model.load_state_dict(torch.load(os.path.join(run_dir, "model.pt"), weights_only=False))
    starts = grid_starts(system, per_axis)
    P_lsoda, P_heun, P_star = truth(system, starts, truth_cache)
    ok_heun = np.abs(P_heun - P_star) <= PERIOD_TOL * P_star
    t = np.arange(0, int(round(T_END / cfg.dt)) + 1, SAVE) * cfg.dt
    j, thr = system.observable_index, system.observable.threshold
    P = np.full((model.K, len(starts)), np.nan)
    for c in range(0, len(starts), chunk):
        s = starts[c : c + chunk]
        X = rollout_nograd(
            model,
            torch.tensor(np.broadcast_to(s, (model.K,) + s.shape).copy(), dtype=model.mu.dtype),
            cfg.dt,
            int(round(T_END / cfg.dt)),
            SAVE,
        )
        for k in range(model.K):
            for b in range(len(s)):
                P[k, c + b] = late_period(t, X[:, k, b, j].astype(float), thr)
    ok = np.abs(P - P_star) <= PERIOD_TOL * P_star  # NaN -> False
    fps = true_fixed_points(system, starts[:: max(1, len(starts) // 200)])
    census = []
    for xf in fps:
        ev = np.linalg.eigvals(system.jacobian(0.0, xf))
        census.append(
            {"true_x": xf.round(4).tolist(), "true_max_re": float(ev.real.max()), "members": learned_fixed_points(model, xf)}
        )
    counted = ok[:, ok_heun]
    n_grid = per_axis**system.dim
    return {
        "run": os.path.basename(run_dir.rstrip("/")),
        "K": model.K,
        "n_starts": len(starts),
        "P_star": P_star,
        "true_heun_fraction": float(ok_heun.mean()),
        "true_lsoda_fraction": float((np.abs(P_lsoda - P_star) <= PERIOD_TOL * P_star).mean())
        if np.isfinite(P_lsoda).any()
        else None,
        "learned_fraction_counted": float(counted.mean()),
        "learned_fraction_all": float(ok.mean()),
        "per_member_counted": counted.mean(1).round(4).tolist(),
        "grid_counted": float(ok[:, :n_grid][:, ok_heun[:n_grid]].mean()),
        "physio_counted": float(ok[:, n_grid:][:, ok_heun[n_grid:]].mean()) if len(starts) > n_grid else None,
        "physio_fail_V": {
            int(k): [float(starts[n_grid + b, 0]) for b in np.nonzero(~ok[k, n_grid:] & ok_heun[n_grid:])[0]]
            for k in range(model.K)
        },
        "census": census,
        "metrics": json.load(open(os.path.join(run_dir, "metrics.json")))["summary"]
        if os.path.exists(os.path.join(run_dir, "metrics.json"))
        else None,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+", help="run folders, each followed by nothing: all share --cfg")
    ap.add_argument("--cfg", default='preset("paper")', help="python expression for the runs' TrainConfig")
    ap.add_argument("--per-axis", type=int, default=5)
    ap.add_argument("--out", default=None)
    ap.add_argument("--truth-cache", default="/tmp/recipe/truth_hh.npz")
    a = ap.parse_args()
    from pinode_sr.training import preset  # noqa: F401  (for --cfg)

    cfg = eval(a.cfg)
    res = []
    for r in a.runs:
        t0 = time.time()
        out = evaluate_run(r, cfg, a.per_axis, a.truth_cache)
        out["eval_s"] = round(time.time() - t0, 1)
        res.append(out)
        print(json.dumps({k: v for k, v in out.items() if k not in ("census", "physio_fail_V")}, default=str))
        for c in out["census"]:
            print("true FP", c["true_x"], "max Re", round(c["true_max_re"], 5))
            print("  learned max Re:", [round(m["max_re"], 5) for m in c["members"]])
        print("physio fails:", out["physio_fail_V"])
        sys.stdout.flush()
    if a.out:
        json.dump(res, open(a.out, "w"), indent=1, default=str)


if __name__ == "__main__":
    main()
