"""Bad input to the W-method benchmarks of `10_bench` (issue 29: the W-method against diffrax Kvaerno5 + adjoint, and
Heun against the W-method on the stiff models): a clear ValueError or TypeError naming the argument, before any
solve, compilation or training (`fuzzlib.expect_clear_error`)."""

import pytest
from fuzzlib import expect_clear_error

import pinode_sr.beyond  # noqa: F401 (imported here, not inside the timed cases)
from pinode_sr.bench import bench_stiff_training, bench_wmethod_diffrax, diffrax_agreement, stiff_steps

CASES = [
    ("diffrax_agreement: K 0", lambda: diffrax_agreement(K=0), "K"),
    ("diffrax_agreement: K a float", lambda: diffrax_agreement(K=2.0), "K"),
    ("diffrax_agreement: explicit solver", lambda: diffrax_agreement(solver="heun"), "solver"),
    ("diffrax_agreement: dt 0", lambda: diffrax_agreement(dt=0.0), "dt"),
    ("diffrax_agreement: NaN tol", lambda: diffrax_agreement(tol=float("nan")), "tol"),
    ("diffrax_agreement: window under a sample", lambda: diffrax_agreement(t_end=0.1), "t_end"),
    ("bench_wmethod_diffrax: K 0", lambda: bench_wmethod_diffrax(Ks=(1, 0)), "K"),
    ("bench_wmethod_diffrax: dt negative", lambda: bench_wmethod_diffrax(dt=-0.2), "dt"),
    ("bench_wmethod_diffrax: rounds 0", lambda: bench_wmethod_diffrax(rounds=0), "rounds"),
    ("bench_wmethod_diffrax: repeats a string", lambda: bench_wmethod_diffrax(repeats="3"), "repeats"),
    ("stiff_steps: unknown model", lambda: stiff_steps("hh"), "name"),
    ("bench_stiff_training: unknown model", lambda: bench_stiff_training(models=("lorenz",)), "models"),
    ("bench_stiff_training: repeated seeds", lambda: bench_stiff_training(seeds=(1, 1)), "seeds"),
    ("bench_stiff_training: phys_iters 0", lambda: bench_stiff_training(phys_iters=0), "phys_iters"),
    ("bench_stiff_training: joint_iters a float", lambda: bench_stiff_training(joint_iters=2.5), "joint_iters"),
    ("bench_stiff_training: train_runs a string", lambda: bench_stiff_training(train_runs="yes"), "train_runs"),
]


@pytest.mark.parametrize("label,fn,arg", CASES, ids=[c[0] for c in CASES])
def test_bad_input(label, fn, arg):
    expect_clear_error(label, fn, arg)
