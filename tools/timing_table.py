"""Render a `make figures` timing.json as a Markdown table (for the README and nbs/index.ipynb).

python tools/timing_table.py paper_figures/out/timing.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _min_s(s) -> str:
    if s is None:
        return "–"
    s = float(s)
    return f"{s:.0f} s" if s < 120 else f"{int(s // 60)} min {s % 60:02.0f} s"


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def render(t: dict) -> str:
    "The table: the up-front training, then one row per figure notebook, then the end-to-end total; the machine below."
    total = t["wall_seconds"]
    rows = ["| step | wall | share | CPU | runs |", "|:--|--:|--:|--:|:--|"]
    tr = t.get("training")
    if tr:
        runs = t.get("runs", {})
        cached = tr["n_runs"] - tr["n_trained"]
        where = f"Dask {tr['scheduler']}" if tr.get("scheduler") else f"{tr['workers']} workers"
        rows.append(
            f"| train every run ({where}) | {_min_s(tr['wall_seconds'])} | {_pct(tr['wall_seconds'] / total)} "
            f"| {_min_s(tr['cpu_seconds'])} | {tr['n_trained']} trained, {cached} cached"
            + (f"; {_min_s(tr['train_seconds_trained'])} of training" if runs else "")
            + " |"
        )
    for name, f in t["figures"].items():
        mark = "" if f["ok"] else " **failed**"
        rows.append(
            f"| {name}{mark} | {_min_s(f['wall_seconds'])} | {_pct(f['share_of_total'])} | {_min_s(f['cpu_seconds'])} "
            f"| {len(f['runs_used'])} |"
        )
    rows.append(f"| **end to end** | **{_min_s(total)}** | 100 % | | |")
    m, g, c = t["machine"], t["git"], t["caches_at_start"]
    foot = (
        f"\n{t['command']} at {g['commit'][:7] if g.get('commit') else '?'}{' (+ local changes)' if g.get('dirty') else ''}, "
        f"{t['started']}: {m['cpu_model']}, {m['usable_cores']} of {m['cores']} cores, load average "
        f"{t['load_avg_start'][0]} at the start and {t['load_avg_end'][0]} at the end; caches "
        + ("empty at the start." if c["empty"] else f"not empty at the start ({c['finished_runs']} finished runs).")
    )
    return "\n".join(rows) + "\n" + foot


def slowest_runs(t: dict, n: int = 5) -> str:
    "The n longest runs trained in this call, one line each."
    runs = sorted(((r["train_seconds"] or 0, k) for k, r in t.get("runs", {}).items() if r["trained_now"]), reverse=True)
    return "\n".join(f"  {_min_s(s):>12}  {k}" for s, k in runs[:n])


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    path = Path(argv[0])
    if not path.is_file():
        print(f"no such file: {path} (run make figures first)", file=sys.stderr)
        return 2
    print(render(json.loads(path.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
