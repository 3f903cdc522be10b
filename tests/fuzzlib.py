"""The check every bad-input case of the fuzz tests runs: a clear error, naming the argument, before any real work.

A case is `(label, call, arg)`: `call()` must raise ValueError or TypeError whose message contains `arg`, within
`seconds` (no training, no integration: validation comes first). The fuzz files (`test_fuzz*.py`) each hold a
table of cases and parametrize one test over it with `expect_clear_error`.
"""

import signal

import pytest


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout("ran past its time limit: not stopped at validation (unbounded?)")


def expect_clear_error(label, fn, arg, seconds: float = 2.0):
    "Run one case: a ValueError/TypeError naming `arg` within `seconds`."
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        with pytest.raises((ValueError, TypeError)) as err:
            fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert arg in str(err.value), f"{label}: the message does not name {arg!r}: {err.value}"
