"""Bad input for the attractor census (`pinode_sr.validity`, issue 26): every case fails at validation with a
ValueError or TypeError naming the argument, before any rollout (each under the 2 s guard of `expect_clear_error`).
A box with NaN or inverted bounds, a grid of zero points, no starts: a clear error, never a silent 100 %."""

import numpy as np
import pytest
import torch
from fuzzlib import expect_clear_error

from pinode_sr.fitzhugh_nagumo import FitzHughNagumo
from pinode_sr.hh import HodgkinHuxley
from pinode_sr.models import EnsembleMLP
from pinode_sr.training import preset
from pinode_sr.validity import (
    Field,
    attractor_census,
    census_summary,
    census_of_run,
    field_rollout,
    find_fixed_points,
    grid_starts,
    model_field,
    near_starts,
    physiological_starts,
    reference_attractors,
    rollout_attractors,
    stability_type,
    system_field,
)

NAN, INF = float("nan"), float("inf")
HH, FHN = HodgkinHuxley(), FitzHughNagumo()
TRUE = system_field(FHN)
MODEL = EnsembleMLP([0.0] * 4, [1.0] * 4, [1.0] * 4, seeds=[0, 1], width=8, dtype="float64")
SMOKE = preset("smoke", seeds=(0,))


def box_system(lo, hi):
    s = FitzHughNagumo()
    s.box_spec = {"v": (lo, hi), "w": (-1.0, 2.0)}
    return s


def census(**kw):
    return lambda: attractor_census(**(dict(model=TRUE, system=FHN, dt=0.2, method="rk4", t_end=240.0) | kw))


CASES = [
    ("attractor_census box NaN", census(system=box_system(NAN, 2.5)), "box"),
    ("attractor_census box inverted", census(system=box_system(2.5, -2.5)), "box"),
    ("attractor_census box empty", census(system=box_system(1.0, 1.0)), "box"),
    ("attractor_census system not a system", census(system="fhn"), "system"),
    ("attractor_census grid of zero points", census(n_grid=0), "n_grid"),
    ("attractor_census grid negative", census(n_grid=-2), "n_grid"),
    ("attractor_census grid float", census(n_grid=2.5), "n_grid"),
    ("attractor_census grid bool", census(n_grid=True), "n_grid"),
    ("attractor_census grid too large", census(n_grid=10**4), "n_grid"),
    ("attractor_census n_near negative", census(n_near=-1), "n_near"),
    ("attractor_census n_physiological str", census(n_physiological="8"), "n_physiological"),
    ("attractor_census seed negative", census(seed=-1), "seed"),
    ("attractor_census dt zero", census(dt=0.0), "dt"),
    ("attractor_census dt NaN", census(dt=NAN), "dt"),
    ("attractor_census method adaptive", census(method="dopri5"), "method"),
    ("attractor_census method unknown", census(method="rk5"), "method"),
    ("attractor_census stable_method unknown", census(stable_method="lsoda"), "stable_method"),
    ("attractor_census t_end inf", census(t_end=INF), "t_end"),
    ("attractor_census t_late beyond t_end", census(t_late=300.0), "t_late"),
    ("attractor_census t_late NaN", census(t_late=NAN), "t_late"),
    ("attractor_census late window too short", census(dt=100.0, t_end=200.0), "t_late"),
    ("attractor_census warn not a bool", census(warn="yes"), "warn"),
    ("attractor_census model None", census(model=None), "model"),
    ("attractor_census model other D", census(model=MODEL), "D=4"),
    ("attractor_census seeds too few", census(seeds=[0, 1]), "seeds"),
    ("Field K zero", lambda: Field(TRUE.f, TRUE.jac, 0, 2), "K"),
    ("Field f not callable", lambda: Field(1.0, TRUE.jac, 1, 2), "f must be"),
    ("model_field None", lambda: model_field("model"), "model"),
    ("grid_starts n zero", lambda: grid_starts(HH, 0), "n"),
    ("grid_starts inverted box", lambda: grid_starts(box_system(2.5, -2.5), 3), "box"),
    ("near_starts radius zero", lambda: near_starts([[0.0, 0.0]], FHN.box, 4, radius=0.0), "radius"),
    ("near_starts NaN point", lambda: near_starts([[NAN, 0.0]], FHN.box, 4), "points"),
    ("near_starts n negative", lambda: near_starts([[0.0, 0.0]], FHN.box, -1), "n"),
    ("physiological_starts noise negative", lambda: physiological_starts(HH, 4, noise=-0.1), "noise"),
    ("find_fixed_points no starts", lambda: find_fixed_points(TRUE, FHN.box, np.zeros((0, 2))), "starts"),
    ("find_fixed_points NaN start", lambda: find_fixed_points(TRUE, FHN.box, [[NAN, 0.0]]), "starts"),
    ("find_fixed_points wrong D", lambda: find_fixed_points(TRUE, FHN.box, np.zeros((3, 4))), "starts"),
    ("field_rollout method", lambda: field_rollout(TRUE, 0.1, "dopri5"), "method"),
    ("field_rollout dt", lambda: field_rollout(TRUE, -0.1), "dt"),
    ("field_rollout field", lambda: field_rollout(FHN, 0.1), "field"),
    ("census_of_run cfg a name", lambda: census_of_run("paper", {"state_dict": {}}), "cfg"),
    ("census_of_run empty", lambda: census_of_run(SMOKE, {}), "run"),
    ("census_of_run wrong weights", lambda: census_of_run(SMOKE, {"state_dict": MODEL.state_dict()}), "state_dict"),
    ("system_field str", lambda: system_field("fhn"), "system"),
    ("stability_type str", lambda: stability_type("abc"), "eigenvalues"),
    ("stability_type empty", lambda: stability_type([]), "eigenvalues"),
    ("stability_type NaN", lambda: stability_type([NAN, 1.0]), "eigenvalues"),
    ("rollout_attractors rollout", lambda: rollout_attractors(None, FHN, np.zeros((2, 2)), 0.1, 10.0, 5.0), "rollout"),
    ("rollout_attractors starts D", lambda: rollout_attractors(TRUE.f, FHN, np.zeros((2, 3)), 0.1, 10.0, 5.0), "starts"),
    ("rollout_attractors t_late", lambda: rollout_attractors(TRUE.f, FHN, np.zeros((2, 2)), 0.1, 10.0, 10.0), "t_late"),
    ("reference_attractors system", lambda: reference_attractors("fhn", np.zeros((2, 2)), 0.1, 10.0, 5.0), "system"),
    ("reference_attractors starts NaN", lambda: reference_attractors(FHN, [[NAN, 0.0]], 0.1, 10.0, 5.0), "starts"),
    ("census_summary str", lambda: census_summary("x"), "Census"),
    ("census_of_run dt from cfg", lambda: census_of_run(SMOKE, {"state_dict": {}}, dt=0.1), "dt"),
]


@pytest.mark.parametrize("label,fn,arg", CASES, ids=[c[0] for c in CASES])
def test_bad_input(label, fn, arg):
    torch.set_num_threads(1)
    expect_clear_error(label, fn, arg)
