"""Train one candidate recipe into a run folder and measure its global validity (issue 26, part 1).

    PINODE_SR_CACHE=/tmp/x python tools/recipe_train.py NAME 'dict(fp_points=256, region_scale="region")' \
        [--seeds 1,2,5,7] [--root /tmp/recipe/runs] [--preset paper]

Prints the run's table-1 summary (median and worst |frequency error|) and the grid validity of
tools/recipe_eval.py; writes both to ROOT/NAME.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
torch.set_num_threads(1)


def main():
    from recipe_eval import evaluate_run

    from pinode_sr.core import config_hash
    from pinode_sr.runs import RunFolder
    from pinode_sr.training import load_or_train, preset

    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("overrides", help="python dict of TrainConfig overrides")
    ap.add_argument("--seeds", default="0,1,2,3,4,5,6,7")
    ap.add_argument("--root", default="/tmp/recipe/runs")
    ap.add_argument("--preset", default="paper")
    ap.add_argument("--per-axis", type=int, default=5)
    a = ap.parse_args()
    kw = eval(a.overrides)
    cfg = preset(a.preset, seeds=tuple(int(s) for s in a.seeds.split(",")), **kw)
    t0 = time.time()
    run = load_or_train(cfg, a.root, progress=False)
    train_s = time.time() - t0
    folder = RunFolder(cfg, a.root, "pinode").path
    s = run["metrics"]["summary"]
    per = run["metrics"].get("per_seed", run["metrics"].get("members"))
    out = {
        "name": a.name,
        "overrides": a.overrides,
        "hash": config_hash(cfg),
        "seeds": cfg.seeds,
        "train_s": round(train_s, 1),
        "summary": s,
    }
    print(json.dumps(out, default=str))
    sys.stdout.flush()
    v = evaluate_run(str(folder), cfg, a.per_axis, "/tmp/recipe/truth_hh.npz")
    out["validity"] = {k: v[k] for k in v if k not in ("metrics",)}
    out["per_member_metrics"] = per
    print(json.dumps({k: v[k] for k in v if k not in ("census", "physio_fail_V", "metrics")}, default=str))
    for c in v["census"]:
        print(
            "learned max Re at the fixed point:",
            [round(m["max_re"], 5) for m in c["members"]],
            "true",
            round(c["true_max_re"], 5),
        )
    print("physio fails:", v["physio_fail_V"])
    json.dump(out, open(os.path.join(a.root, f"{a.name}.json"), "w"), indent=1, default=str)
    np.set_printoptions(precision=4)


if __name__ == "__main__":
    main()
