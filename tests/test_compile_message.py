"The one-line message when a model's generated numba code is compiled for the first time (01_system.load_generated)."

import sys

from pinode_sr.system import load_generated

_TEXT = """from numba import njit


@njit(cache=True)
def twice(x):
    return 2.0 * x
"""


def test_message_once_then_cached(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PINODE_SR_NUMBA_CACHE", str(tmp_path))
    mod = load_generated(_TEXT, "pinode_test")
    err = capsys.readouterr().err
    assert "pinode-sr: compiling pinode_test" in err and str(tmp_path) in err and err.count("\n") == 1
    assert mod.twice(1.5) == 3.0  # numba compiles here and caches the machine code
    del sys.modules[mod.__name__]  # a fresh process: the module is loaded again from the cache folder
    again = load_generated(_TEXT, "pinode_test")
    assert again.twice(2.0) == 4.0 and capsys.readouterr().err == ""  # cached: no message
