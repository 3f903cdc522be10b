"""Regenerate pinode_sr/ from the notebooks in its canonical form, touching only the modules whose text changes.

    python tools/export.py          # what `make export` runs; a notebook's export cell can run it too

The canonical form is `ruff format` of what `nbdev_export` writes (tests/test_repo.py checks it). Run in place, the
two steps leave every module rewritten twice, non-canonical in between (nbdev's own layout: single-quoted
`__all__`, one blank line between cells) and for good where ruff is missing or the second step is interrupted. Here
both run in a scratch copy of the project; then each module whose canonical text differs from the one in
pinode_sr/ is replaced atomically, and the others are left alone (their modification times too). Without ruff
nothing is written: the package is canonical or unchanged.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def export(root: Path = ROOT) -> list[str]:
    "Export and format in a scratch copy, then replace the modules that differ; their paths relative to the package."
    from nbdev.config import get_config

    if importlib.util.find_spec("ruff") is None:
        raise SystemExit("tools/export.py needs ruff (the test or dev extra): nothing exported")
    cfg = get_config(path=root)
    lib, nbs = Path(cfg.lib_path), Path(cfg.nbs_path)
    env = {k: v for k, v in os.environ.items() if k != "IN_TEST"}  # nbdev_export does nothing under IN_TEST
    with tempfile.TemporaryDirectory(prefix="pinode-sr-export-") as tmp:
        tmp = Path(tmp)
        for name in ("settings.ini", "ruff.toml", "pyproject.toml", "setup.py"):
            if (root / name).is_file():
                shutil.copy2(root / name, tmp / name)
        shutil.copytree(nbs, tmp / nbs.relative_to(root), ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        shutil.copytree(lib, tmp / lib.relative_to(root), ignore=shutil.ignore_patterns("__pycache__"))
        new_lib = tmp / lib.relative_to(root)
        subprocess.run([str(BIN / "nbdev_export")], cwd=tmp, env=env, check=True)
        subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(new_lib)], cwd=tmp, check=True)
        changed = []
        for p in sorted(new_lib.rglob("*.py")):
            rel = p.relative_to(new_lib)
            dest, text = lib / rel, p.read_bytes()
            if dest.is_file() and dest.read_bytes() == text:
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            part = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
            part.write_bytes(text)
            os.replace(part, dest)
            changed.append(str(rel))
    return changed


if __name__ == "__main__":
    changed = export()
    print(f"pinode_sr/: {len(changed)} module(s) updated" + (f": {', '.join(changed)}" if changed else " (already canonical)"))
