"""Attractor census of a trained HH run read straight from its run folder (the weights in model.pt), without the
run cache's staleness check: `python tools/paper_census.py RUN_FOLDER [--no-stable] [--n-grid 4] [--out census.json]`.

Used for 09a_validity's "today's census of the paper run" (RUN_FOLDER: the paper preset's `runs/pinode-01319dfa7b10`)."""

import argparse
import json
import time

import torch

from pinode_sr.hh import HodgkinHuxley
from pinode_sr.models import EnsembleMLP
from pinode_sr.validity import attractor_census


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", help="a run folder holding model.pt (an EnsembleMLP state dict of an HH config, dt = 0.05, Heun)")
    ap.add_argument("--n-grid", type=int, default=4)
    ap.add_argument("--no-stable", action="store_true", help="skip the adaptive Rodas5P rollouts")
    ap.add_argument("--out", default="census.json")
    a = ap.parse_args()
    torch.set_num_threads(1)
    sd = torch.load(f"{a.run}/model.pt")
    model = EnsembleMLP(sd["mu"].numpy(), sd["sd"].numpy(), sd["s"].numpy(), seeds=range(sd["Ws.0"].shape[0]))
    model.load_state_dict(sd)
    t0 = time.time()
    c = attractor_census(
        model, HodgkinHuxley(), 0.05, "heun", n_grid=a.n_grid, n_near=16, n_physiological=32, t_end=300.0,
        stable_method=None if a.no_stable else "rodas5p", seeds=list(range(model.K)),
    )  # fmt: skip
    print(c)
    print(f"seconds: {time.time() - t0:.0f}")
    with open(a.out, "w") as f:
        json.dump(c.to_dict(), f, indent=1, default=str)


if __name__ == "__main__":
    main()
