"""The solver kernel's shared parts: the step control, the Tsit5 tableau and its order, and method="auto" (switching
between Tsit5 and Rodas5P by stiffness) on a stiff and a non-stiff problem; the kernel for Python callbacks is cached."""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from numba import njit

from fuzzlib import expect_clear_error
from pinode_sr.rodas5p import ERR_NONFINITE_STEP, ERR_UNDERFLOW, OK, _CTL0, _MAX_NONFINITE, _control, solve_rodas5p
from pinode_sr.tsit5 import TSIT5, ExplicitTableau, explicit_dense_K, explicit_stages, order_residual, rooted_trees


def test_control_accepts_grows_at_most_6x_and_hits_t1():
    ok, t_new, h_next, ctl, code = _control(1e-12, 0.0, 0.1, 1.0, False, np.inf, _CTL0, False)
    assert ok and code == OK and t_new == 0.1 and h_next == pytest.approx(0.6) and ctl[1] is False
    ok, t_new, h_next, _, _ = _control(0.5, 0.9, 0.1, 1.0, True, 0.05, _CTL0, False)
    assert ok and t_new == 1.0 and h_next == 0.05  # the last step lands on t1 exactly; h_max bounds the next


def test_control_rejects_shrinks_and_gives_up():
    ok, t_new, h_next, ctl, code = _control(2.0, 1.0, 0.1, 5.0, False, np.inf, _CTL0, False)
    assert not ok and t_new == 1.0 and h_next == pytest.approx(0.1 * 0.9 * 2.0**-0.2) and ctl[1] is True and code == OK
    ctl = (1.0, True, _MAX_NONFINITE, 0.0)
    assert _control(np.nan, 1.0, 0.1, 5.0, False, np.inf, ctl, False)[4] == ERR_NONFINITE_STEP  # one NaN too many
    assert _control(2.0, 1.0, 1e-16, 5.0, False, np.inf, _CTL0, False)[4] == ERR_UNDERFLOW  # t + h == t
    ok, _, h_next, _, _ = _control(0.5, 0.0, 0.1, 1.0, False, np.inf, (1.0, True, 0, 0.0), False)
    assert ok and h_next <= 0.1  # no growth right after a rejection


def test_rooted_trees_and_tsit5_order_conditions():
    assert [sum(1 for t in rooted_trees(n)) for n in range(1, 7)] == [1, 2, 4, 8, 17, 37]  # cumulative A000081
    assert order_residual(TSIT5.A, TSIT5.b, 5) < 5e-14 < 1e-4 < order_residual(TSIT5.A, TSIT5.b, 6)
    assert order_residual(TSIT5.A, TSIT5.bhat, 4) < 5e-14 < 1e-4 < order_residual(TSIT5.A, TSIT5.bhat, 5)
    A = TSIT5.A.copy()
    A[4, 2] *= 1 + 1e-10
    with pytest.raises(ValueError, match="row sums"):
        ExplicitTableau(A, TSIT5.c, A[6], TSIT5.bhat, TSIT5.R, 5, 4, 4, 5e-14)


@njit
def _decay(t, y, p, out):  # y' = -y + sin(t) y^2 / 4, a mild nonlinearity with t
    for k in range(y.shape[0]):
        out[k] = -y[k] + 0.25 * math.sin(t) * y[k] * y[k]


@njit
def _tsit5_fixed(A, c, e, R, y0, T, n):
    D, h = y0.shape[0], T / n
    y, F0, U, Y, F, y1, K = y0.copy(), np.empty(D), np.empty((8, D)), np.empty(D), np.empty(D), np.empty(D), np.empty((3, D))
    p = np.empty(0)
    _decay(0.0, y, p, F0)
    for i in range(n):
        explicit_stages(_decay, p, A, c, e, i * h, h, y, F0, U, Y, F, y1)
        y[:] = y1
        F0[:] = U[6]
    explicit_dense_K(R, h, U, K)
    return y


def test_tsit5_converges_with_order_5():
    args = (TSIT5.A, TSIT5.c, TSIT5.bhat - TSIT5.b, TSIT5.R, np.array([1.0, 0.5]), 3.0)
    fine = _tsit5_fixed(*args, 2048)
    errs = np.array([np.abs(_tsit5_fixed(*args, n) - fine).max() for n in (12, 24, 48)])
    assert np.all(np.abs(np.log2(errs[:-1] / errs[1:]) - 5) < 0.35), errs


def _models():
    from pinode_sr.bench import StiffVanDerPol
    from pinode_sr.fitzhugh_nagumo import FitzHughNagumo

    return StiffVanDerPol(), FitzHughNagumo()


def test_auto_switches_on_stiff_and_not_on_nonstiff():
    vdp, fhn = _models()
    te = np.linspace(0.0, 3000.0, 61)
    r = solve_rodas5p(vdp.compiled(), (0, 3000), vdp.default_x0(), rtol=1e-7, atol=1e-7, t_eval=te, method="auto")
    ref = solve_rodas5p(vdp.compiled(), (0, 3000), vdp.default_x0(), rtol=1e-12, atol=1e-12, t_eval=te)
    slow = np.abs(ref.y[:, 1]) < 1e-2
    assert 2 <= r.stats.n_switches <= 20 and np.abs(r.y - ref.y)[slow].max() < 1e-4
    T = 50.0
    r = solve_rodas5p(fhn.compiled(), (0, T), fhn.default_x0(), rtol=1e-8, atol=1e-10, t_eval=[T], method="auto")
    ref = solve_rodas5p(fhn.compiled(), (0, T), fhn.default_x0(), rtol=1e-12, atol=1e-14, t_eval=[T])
    assert r.stats.n_switches == 0 and r.stats.n_lu == 0 and np.abs(r.y - ref.y).max() < 1e-5


def test_method_is_checked():
    with pytest.raises(ValueError, match="method must be one of"):  # (the first call compiles the input checks)
        solve_rodas5p(lambda t, y: -y, (0, 1), [1.0], method=None)
    expect_clear_error("method='tsit5'", lambda: solve_rodas5p(lambda t, y: -y, (0, 1), [1.0], method="tsit5"), "method")


_PY_KERNEL = """
import json
from pinode_sr import rodas5p
r = rodas5p.solve_rodas5p(lambda t, y: -y, (0.0, 1.0), [1.0], rtol=1e-8, atol=1e-10, t_eval=[1.0])
k = rodas5p._BOUND["pinode_sr.rodas5p"].rows_serial  # with t_eval: the batch loop (one row)
print(json.dumps({"y": float(r.y[-1][0]), "hits": sum(k.stats.cache_hits.values()), "misses": sum(k.stats.cache_misses.values())}))
"""


def test_python_callbacks_kernel_is_cached():
    "The kernel for Python callbacks is bound like a generated field's: a second process loads its machine code, no compile."
    runs = []
    for _ in range(2):  # the first may compile (a cold cache) and writes the cache; the second must load it
        out = subprocess.run([sys.executable, "-c", _PY_KERNEL], capture_output=True, text=True, timeout=600, env=os.environ)
        assert out.returncode == 0, out.stderr[-3000:]
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert runs[1]["hits"] == 1 and runs[1]["misses"] == 0, runs
    assert runs[1]["y"] == pytest.approx(math.exp(-1.0), rel=1e-7)
