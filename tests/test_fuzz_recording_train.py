"""Hostile recordings for PI-NODE-SR's run entry (issue 27 item 2): `train` / `load_or_train` with `recording=`.

Every bad recording fails at validation with a ValueError or TypeError naming the argument, within 2 s (no solve,
no training): not a Recording, not every state, several trials, a missing sample, a time off the dt_obs grid, a
trace beyond t_late, another system, uneven samples under an explicit fused kernel, a folder that is not the
recording's own, and a recording handed to `load_or_train` for a method whose runner takes none. Besides the table:
the recording's content hash (the run's key) is stable, differs for any change of times, values or names, and a
run without a recording keeps its folder name.
"""

import dataclasses

import numpy as np
import pytest
from fuzzlib import expect_clear_error

from pinode_sr.core import config_hash
from pinode_sr.hh import HodgkinHuxley, hh_params
from pinode_sr.loop import load_or_train as load_or_train_any
from pinode_sr.recordings import Recording
from pinode_sr.runs import RunFolder
from pinode_sr.training import check_recording, load_or_train, preset, recording_hash, recording_tag, train

SMOKE = preset("smoke", seeds=(0,))
NAMES = HodgkinHuxley().state_names
T = np.round(np.arange(0, 15.05, 0.1), 10)
Y = np.c_[
    -65 + 80 * np.exp(-(((T - 7) / 0.8) ** 2)),
    0.05 + 0.9 * np.exp(-(((T - 7) / 0.5) ** 2)),
    0.6 - 0.2 * T / 15,
    0.3 + 0.1 * T / 15,
]
REC = Recording(T, Y, NAMES)
GAPPY = Recording(np.delete(T, [5, 6]), np.delete(Y, [5, 6], 0), NAMES)
Y_NAN = Y.copy()
Y_NAN[40, 2] = np.nan
T_LONG = np.round(np.arange(0, 120, 0.1), 10)


class _NoKey:  # a config whose runner has no key: load_or_train takes no recording for it
    def runner(self):
        return dataclasses.replace(SMOKE.runner(), key=None)


CASES = [
    ("not a Recording", lambda: train(SMOKE, recording=Y), "recording must be a pinode_sr.recordings.Recording"),
    ("not a Recording (load)", lambda: load_or_train(SMOKE, "/tmp/x", recording="rec.csv"), "recording must be"),
    ("only V", lambda: train(SMOKE, recording=Recording(T, Y[:, 0])), "recording must hold one trial of every state"),
    ("two trials", lambda: train(SMOKE, recording=Recording([T, T], [Y, Y], NAMES)), "got 2 trial(s)"),
    ("NaN sample", lambda: train(SMOKE, recording=Recording(T, Y_NAN, NAMES, nan="mask")), "1 are missing (NaN)"),
    ("off the grid", lambda: train(SMOKE, recording=Recording(T + 0.03 * (T > 5), Y, NAMES)), "multiple of data.dt_obs"),
    (
        "beyond t_late",
        lambda: train(SMOKE, recording=Recording(T_LONG, np.resize(Y, (len(T_LONG), 4)), NAMES)),
        "beyond data.t_late=100",
    ),
    (
        "another system",
        lambda: train(SMOKE, recording=Recording(T, Y, NAMES, HodgkinHuxley(hh_params(g_Na=100)))),
        "recording.system",
    ),
    ("fused kernel, gaps", lambda: train(dataclasses.replace(SMOKE, kernel="fused"), recording=GAPPY), "kernel='fused'"),
    ("compiled kernel, gaps", lambda: load_or_train(dataclasses.replace(SMOKE, kernel="compiled"), recording=GAPPY), "kernel"),
    ("folder of cfg alone", lambda: train(SMOKE, RunFolder(SMOKE, "/tmp/x", "pinode"), recording=REC), "folder"),
    (
        "folder of another recording",
        lambda: train(SMOKE, RunFolder(SMOKE, "/tmp/x", recording_tag(SMOKE, GAPPY)), recording=REC),
        "folder",
    ),
    ("runner without a key", lambda: load_or_train_any(_NoKey(), "/tmp/x", kind=_NoKey, recording=REC), "recording"),
    ("check_recording name", lambda: check_recording(Y, SMOKE.data, "rec"), "rec must be"),
]


@pytest.mark.parametrize("label,fn,arg", CASES, ids=[c[0] for c in CASES])
def test_bad_recording_fails_clearly(label, fn, arg):
    "Each bad recording raises ValueError/TypeError naming the argument, within 2 s (no solve, no training)."
    expect_clear_error(label, fn, arg)


def test_recording_hash_keys_the_content():
    "The same content gives the same key (however it was built); any change of times, values or names another."
    h = recording_hash(REC)
    assert h == recording_hash(Recording(list(T), Y.tolist(), NAMES)) and len(h) == 12
    Y2 = Y.copy()
    Y2[3, 1] += 1e-12
    others = [Recording(T + 0.1, Y, NAMES), Recording(T, Y2, NAMES), Recording(T, Y[:, ::-1], NAMES[::-1]), GAPPY]
    keys = {recording_hash(r) for r in others}
    assert h not in keys and len(keys) == len(others)
    assert recording_tag(SMOKE, REC) == f"rec-{h}" and recording_tag(SMOKE) == ""


def test_no_recording_keeps_its_folder(tmp_path):
    "Without a recording the run folder is the one it always was (the paper preset's pinned hash included)."
    assert RunFolder(preset("paper"), tmp_path, SMOKE.runner().name).path.name == "pinode-01319dfa7b10"
    assert config_hash(preset("paper")) == "01319dfa7b10"
