"""Hostile input for `pinode_sr.recordings` (the user's own data: Recording, from_csv, from_nwb, fit_recording) and for
`partial.identify`'s least-squares options, and valid calls that give the numbers they should.

Issue 27 ("every new entry point rejects bad input: wrong shapes, NaN, unsorted or duplicate times, too short a
trace"): each case raises a ValueError or TypeError naming the argument within 2 s, before any solve
(`fuzzlib.expect_clear_error`).
"""

import numpy as np
import pytest
from fuzzlib import expect_clear_error

from pinode_sr import partial, recordings
from pinode_sr.fitzhugh_nagumo import FitzHughNagumo
from pinode_sr.hh import HodgkinHuxley
from pinode_sr.recordings import Recording, fit_recording, from_csv, from_nwb

NAN, INF = float("nan"), float("inf")
HH = HodgkinHuxley()
T = np.round(np.arange(0, 151) * 0.1, 10)  # 0-15 ms at 0.1 ms
V = -65.0 + 80.0 * np.exp(-(((T - 7.0) / 0.8) ** 2))  # a spike-shaped trace (validation never solves)
REC = Recording(T, V, system=HH)
G3, P3 = ("g_Na", "g_K", "g_L"), np.array([100.0, 42.0, 0.4])

CASES = []


def cases(prefix, fn, base, table):
    "One case per (argument, bad value, text the message must hold): fn(**(base | {argument: value}))."
    for key, value, arg in table:
        CASES.append((f"{prefix}.{key}={value!r}"[:80], (lambda kw=base | {key: value}: fn(**kw)), arg))


cases(
    "Recording",
    Recording,
    dict(t=T, y=V),
    [
        ("t", T[::-1], "t must be strictly increasing"),  # unsorted
        ("t", np.r_[T[:50], T[49:-1]], "repeats"),  # a duplicate time
        ("t", np.where(T > 5, NAN, T), "t contains non-finite"),
        ("t", np.c_[T, T], "t must be 1-D"),
        ("t", T[:7], "y must have shape"),  # t and y of different lengths
        ("t", ["a"] * 151, "t must hold real numbers"),
        ("t", [T, T], "y must be a list of arrays"),
        ("y", V[:5], "y must have shape"),
        ("y", np.c_[V, V], "y must have shape (len(t), len(observed)) = (151, 1)"),
        ("y", np.where(T > 5, NAN, V), "y has 100 missing samples (NaN)"),  # NaN rejected by default
        ("y", np.where(T > 5, INF, V), "y contains inf"),
        ("y", np.full(151, -65.0), "a channel needs at least"),  # a flat trace
        ("y", V + 1j, "y must hold real numbers"),
        ("y", [[1.0, 2.0], [3.0]] * 10, "y must be a rectangular array"),
        ("observed", (), "observed must be a non-empty tuple"),
        ("observed", ("V", "V"), "observed must name each state once"),
        ("observed", 3, "observed must be a non-empty tuple"),
        ("system", "hh", "system must be a DynamicalSystem"),
        ("nan", "drop", "nan='drop'"),
        ("nan", None, "nan must be a string"),
        ("min_samples", 2, "min_samples"),
        ("min_samples", 1.5, "min_samples"),
    ],
)
CASES += [
    ("Recording too short", lambda: Recording(T[:5], V[:5]), "t: a trace of 5 usable samples is too short"),
    ("Recording too short after masking", lambda: Recording(T, np.where(T > 0.45, NAN, V), nan="mask"), "too short"),
    ("Recording all missing", lambda: Recording(T, np.full(151, NAN), nan="mask"), "too short"),
    ("Recording trial unsorted", lambda: Recording([T, T[::-1]], [V, V]), "t[1] must be strictly increasing"),
    ("Recording trials count", lambda: Recording([T, T], [V]), "same number of trials"),
    ("Recording trial shape", lambda: Recording([T, T], [V, V[:-2]]), "y[1] must have shape"),
    ("Recording observed system", lambda: Recording(T, V, observed=("U",), system=HH), "observed: ['U'] are not states"),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("rec")
    (d / "ok.csv").write_text("t,V\n" + "\n".join(f"{a},{b}" for a, b in zip(T, V)))
    (d / "unsorted.csv").write_text("t,V\n" + "\n".join(f"{a},{b}" for a, b in zip(T[::-1], V)))
    (d / "dup.csv").write_text("t,V\n" + "\n".join(f"{a},{b}" for a, b in zip(np.r_[T[:3], T[2:-1]], V)))
    (d / "gap.csv").write_text("t,V\n" + "\n".join(f"{a},{'' if 5 < a < 6 else b}" for a, b in zip(T, V)))
    (d / "text.csv").write_text("t,V\n0,1\n0.1,high\n")
    (d / "short.csv").write_text("t,V\n0,1\n0.1,2\n")
    (d / "empty.csv").write_text("")
    REC.to_nwb(d / "ok.nwb")
    return d


FILE_CASES = [
    ("from_csv path", lambda d: from_csv(3.0), "path"),
    ("from_csv missing file", lambda d: from_csv(d / "nope.csv"), "no such file"),
    ("from_csv empty", lambda d: from_csv(d / "empty.csv"), "is empty"),
    ("from_csv time column", lambda d: from_csv(d / "ok.csv", time="time"), "time='time' is not a column"),
    ("from_csv observed", lambda d: from_csv(d / "ok.csv", observed=("V", "n")), "observed: ['n'] are not columns"),
    ("from_csv unsorted", lambda d: from_csv(d / "unsorted.csv"), "t must be strictly increasing"),
    ("from_csv duplicate", lambda d: from_csv(d / "dup.csv"), "repeats"),
    ("from_csv NaN", lambda d: from_csv(d / "gap.csv"), "y has 9 missing samples (NaN), the first at t=5.1"),
    ("from_csv text", lambda d: from_csv(d / "text.csv"), "'high' is not a number"),
    ("from_csv short", lambda d: from_csv(d / "short.csv"), "too short"),
    ("from_csv nan", lambda d: from_csv(d / "ok.csv", nan="zero"), "nan='zero'"),
    ("from_nwb path", lambda d: from_nwb(None), "path"),
    ("from_nwb missing file", lambda d: from_nwb(d / "nope.nwb"), "no such file"),
    ("from_nwb series", lambda d: from_nwb(d / "ok.nwb", series="sweep_3"), "series: ['sweep_3'] not among"),
    ("from_nwb series type", lambda d: from_nwb(d / "ok.nwb", series=3), "series must be a name"),
    ("from_nwb data_scale", lambda d: from_nwb(d / "ok.nwb", data_scale=-1.0), "data_scale"),
    ("from_nwb time_scale", lambda d: from_nwb(d / "ok.nwb", time_scale=NAN), "time_scale"),
    ("from_nwb observed", lambda d: from_nwb(d / "ok.nwb", observed=("V", "m")), "y must have shape"),
    ("from_nwb observed system", lambda d: from_nwb(d / "ok.nwb", observed=("x",), system=HH), "observed: ['x']"),
]

cases(
    "fit_recording",
    fit_recording,
    dict(rec=REC),
    [
        ("rec", (T, V), "rec must be a Recording"),
        ("system", FitzHughNagumo(), "system"),
        ("names", ("g_Na", "g_Ca"), "names entry"),
        ("names", "g_Na", "names must be a tuple"),
        ("p0", (100.0, 42.0), "p0 must have one start value per name"),
        ("p0", (100.0, -42.0, 0.4), "p0: the start of ['g_K'] must be > 0"),
        ("p0", (100.0, NAN, 0.4), "p0 contains non-finite"),
        ("x0", "gates", "x0 entry"),
        ("x0", ("rest", "learn"), "one per trial (1)"),
        ("max_nfev", 0, "max_nfev"),
        ("ftol", -1e-8, "ftol"),
        ("xtol", "1e-8", "xtol"),
        ("gtol", NAN, "gtol"),
        ("diff_step", 0.0, "diff_step"),
        ("starts", 0, "starts"),
        ("starts", 2.0, "starts"),
        ("spread", -0.5, "spread"),
        ("seed", -1, "seed"),
    ],
)
CASES += [
    ("fit_recording no system", lambda: fit_recording(Recording(T, V)), "system"),
    ("fit_recording no V", lambda: fit_recording(Recording(T, V, observed=("n",)), system=HH), "must include 'V'"),
    ("fit_recording unknown state", lambda: fit_recording(Recording(T, V, observed=("U",)), system=HH), "rec.observed"),
    (
        "fit_recording underdetermined",
        lambda: fit_recording(Recording(T[60:65], V[60:65], min_samples=3), system=HH, names=G3, x0="learn"),
        "rec: 5 observed samples cannot fix 7 unknowns",
    ),
]
X4 = np.c_[V, np.full((151, 3), 0.5) + 0.01 * np.sin(T)[:, None]]  # every state of HH (validation never solves)
CASES += [
    ("recording_dataset rec", lambda: recordings.recording_dataset((T, V)), "rec must be a Recording"),
    ("recording_dataset V only", lambda: recordings.recording_dataset(REC), "rec must hold one trial of every state"),
    ("recording_dataset data", lambda: recordings.recording_dataset(REC, "hh"), "data must be a DatasetConfig"),
    (
        "recording_dataset no system",
        lambda: recordings.recording_dataset(Recording(T, X4, observed=HH.state_names)),
        "data: give a DatasetConfig",
    ),
    (
        "recording_dataset off the grid",
        lambda: recordings.recording_dataset(Recording(T * 1.05, X4, observed=HH.state_names, system=HH)),
        "multiple of data.dt_obs=0.1",
    ),
    (
        "recording_dataset gaps",
        lambda: recordings.recording_dataset(
            Recording(T, np.where(T[:, None] > 9, np.r_[NAN, 0, 0, 0], X4), observed=HH.state_names, system=HH, nan="mask")
        ),
        "needs every sample, 60 are missing",
    ),
]
PCFG = partial.partial_preset("smoke", 0.01)
CASES += [
    ("train_partial recording type", lambda: partial.train_partial(PCFG, recording=(T, V)), "recording must be a"),
    (
        "train_partial recording trials",
        lambda: partial.train_partial(PCFG, recording=Recording([T, T], [V, V])),
        "stage 2 trains on one trial, got 2",
    ),
    (
        "train_partial recording channels",
        lambda: partial.train_partial(PCFG, recording=Recording(T, V, observed=("n",))),
        "must be the channels of cfg.observe",
    ),
    (
        "train_partial recording grid",
        lambda: partial.train_partial(PCFG, recording=Recording(T * 1.003, V)),
        "every sampling interval must be a multiple of base.dt",
    ),
]
cases(
    "identify",
    partial.identify,
    dict(system=HH, t=T, y=V[:, None], observed=[0], names=G3, p0=P3),
    [
        ("ftol", 0.0, "ftol"),
        ("xtol", 2.0, "xtol"),
        ("gtol", "tight", "gtol"),
        ("diff_step", -1e-5, "diff_step"),
        ("starts", 0, "starts"),
        ("starts", True, "starts"),
        ("spread", 0.0, "spread"),
        ("spread", INF, "spread"),
        ("seed", 0.5, "seed"),
    ],
)


@pytest.mark.parametrize("label,fn,arg", CASES, ids=[c[0] for c in CASES])
def test_bad_input_fails_clearly(label, fn, arg):
    "Each bad input raises ValueError/TypeError naming the argument, within 2 s (no solve)."
    expect_clear_error(label, fn, arg)


@pytest.mark.parametrize("label,fn,arg", FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_bad_files_fail_clearly(files, label, fn, arg):
    "A bad file, column or option: a clear error naming it (FileNotFoundError for a missing file), within 2 s."
    if "missing file" in label:
        with pytest.raises(FileNotFoundError, match="no such file"):
            fn(files)
    else:
        expect_clear_error(label, lambda: fn(files), arg)


def test_fuzz_table_covers_every_entry_point():
    "Every public callable of pinode_sr.recordings has at least one case."
    covered = " ".join(c[0] for c in CASES + FILE_CASES)
    for name in recordings.__all__:
        if callable(getattr(recordings, name)):
            assert name in covered, f"recordings.{name} has no bad-input case"


def test_round_trips_are_exact(tmp_path):
    "CSV keeps every bit (repr of floats), NWB within the float64 rounding of its SI conversion; trials and gaps survive."
    t2 = 20 + np.cumsum(np.random.default_rng(0).uniform(0.05, 0.15, 120))
    y2 = np.sin(t2)
    y2[30:35] = NAN
    rec = Recording([T, t2], [V, y2], nan="mask")
    a = from_csv(rec.to_csv(tmp_path / "a.csv"), nan="mask")
    b = from_nwb(rec.to_nwb(tmp_path / "b.nwb"), nan="mask")
    assert a.n_trials == b.n_trials == 2 and len(a.t[1]) == 115  # the all-NaN rows are gone, as in rec
    for k in range(2):
        assert np.array_equal(a.t[k], rec.t[k]) and np.array_equal(a.y[k], rec.y[k])
        np.testing.assert_allclose(b.t[k], rec.t[k], rtol=1e-14)
        np.testing.assert_allclose(b.y[k], rec.y[k], rtol=1e-14)


def test_identify_defaults_unchanged_and_multistart():
    "starts=1 is the plain fit (the first start of a multi-start run is it, bit for bit); draws are seeded and explicit."
    a = partial.identify(HH, T, V[:, None], [0], G3, P3, max_nfev=3)
    b = partial.identify(HH, T, V[:, None], [0], G3, P3, max_nfev=3, starts=3, seed=4)
    assert np.array_equal(a["params"], np.array(b["starts"][0]["params"])) and b["starts"][0]["p0"] == P3.tolist()
    assert len(b["starts"]) == 3  # a spike that HH cannot fit well: no start reaches the noise floor, all three run
    draws = np.array([s["p0"] for s in b["starts"][1:]])
    assert np.all(np.abs(np.log(draws / P3)) <= 0.7)  # log-uniform in p0·exp(±spread)
    c = partial.identify(HH, T, V[:, None], [0], G3, P3, max_nfev=3, starts=3, seed=4)
    assert c["starts"] == b["starts"]
    best = min(b["starts"], key=lambda s: s["rms"])
    assert b["rms"] == best["rms"] and b["params"].tolist() == best["params"]


def test_fit_recording_is_identify_on_one_trial():
    "One trial, V only: fit_recording is identify on its arrays with the same options, bit for bit."
    kw = dict(max_nfev=3, diff_step=1e-5)
    a = fit_recording(REC, p0=P3, **kw)
    b = partial.identify(HH, T, V[:, None], [0], G3, P3, **kw)
    for k in ("params", "rms", "nfev", "status"):
        assert np.array_equal(a[k], b[k]), k
    assert np.array_equal(a["x0"][0], b["x0"]) and a["params_dict"] == dict(zip(G3, b["params"].tolist()))


def test_from_nwb_reads_a_current_clamp_series(tmp_path):
    "A rig's CurrentClampSeries (integer samples with a conversion, a sampling rate and a start time) in ms and mV."
    from datetime import datetime, timezone

    import pynwb

    nwb = pynwb.NWBFile(session_description="rig", identifier="rig", session_start_time=datetime.now(timezone.utc))
    electrode = nwb.create_icephys_electrode(name="el", description="patch", device=nwb.create_device(name="amp"))
    volts = (V * 1e-3 * 1e6).round().astype(np.int32)  # µV as integers
    series = pynwb.icephys.CurrentClampSeries(
        name="sweep", data=volts, conversion=1e-6, electrode=electrode, rate=1e4, starting_time=0.5, gain=1.0, unit="volts"
    )
    nwb.add_acquisition(series)
    with pynwb.NWBHDF5IO(str(tmp_path / "rig.nwb"), "w") as io:
        io.write(nwb)
    rec = from_nwb(tmp_path / "rig.nwb", system=HH)
    np.testing.assert_allclose(rec.t[0], 500.0 + T, atol=1e-9)  # 0.5 s + n / 10 kHz, in ms
    np.testing.assert_allclose(rec.y[0][:, 0], V, atol=5e-4 + 1e-9)  # the 1 µV quantisation, in mV
