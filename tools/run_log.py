# Run in every kernel `make figures` starts (exec_files in tools/ipython/profile_default/ipython_kernel_config.py).
# With $PINODE_SR_RUN_LOG set, it records the run folders this kernel opens (the first path part under
# $PINODE_SR_RUN_LOG_ROOT), one per line, as they are first opened.
# An audit hook: it sees every open() (json, np.load, torch.load) without touching the package. Without the
# variable (the docs build, a user's Jupyter) this file does nothing.


def _pinode_sr_run_log():
    import os as _os  # local: the notebook's namespace keeps no name of this file
    import sys as _sys

    log, root = _os.environ.get("PINODE_SR_RUN_LOG"), _os.environ.get("PINODE_SR_RUN_LOG_ROOT")
    if not log or not root:
        return
    root = _os.path.join(_os.path.abspath(root), "")
    seen = set()

    def hook(event, args):
        if event != "open" or not args or not isinstance(args[0], (str, _os.PathLike)):
            return
        path = _os.path.abspath(_os.fspath(args[0]))
        if not path.startswith(root):
            return
        name = path[len(root) :].split(_os.sep, 1)[0]
        if not name or name.startswith(".") or name in seen:  # .staging-*, .trash-*, .locks
            return
        seen.add(name)
        with open(log, "a") as f:  # not under root: the hook returns at once for it
            f.write(name + "\n")

    _sys.addaudithook(hook)


_pinode_sr_run_log()
del _pinode_sr_run_log
