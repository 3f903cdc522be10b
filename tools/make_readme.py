"""Render README.md from nbs/index.ipynb without Quarto (nbconvert's markdown exporter).

Cells whose first line is `#| hide` are dropped and `#|` directive lines are stripped, as nbdev does.
Usage: python tools/make_readme.py [--check]   (--check exits 1 when README.md is out of date)
"""

import sys
from pathlib import Path

import nbformat
from nbconvert import MarkdownExporter

ROOT = Path(__file__).resolve().parents[1]
HEADER = "<!-- generated from nbs/index.ipynb by `make readme`: edit the notebook, not this file -->\n\n"


def render(nb_path: Path = ROOT / "nbs" / "index.ipynb") -> str:
    nb = nbformat.read(nb_path, as_version=4)
    cells = []
    for cell in nb.cells:
        lines = cell.source.splitlines()
        if cell.cell_type == "code":
            if lines and lines[0].replace(" ", "").startswith("#|hide"):
                continue
            cell.source = "\n".join(l for l in lines if not l.lstrip().startswith("#|")).strip("\n")
        cells.append(cell)
    nb.cells = cells
    body, _ = MarkdownExporter().from_notebook_node(nb)
    # nbconvert separates cells with blank lines; collapse runs of them for a tidy file
    while "\n\n\n" in body:
        body = body.replace("\n\n\n", "\n\n")
    return HEADER + body.strip() + "\n"


if __name__ == "__main__":
    readme = ROOT / "README.md"
    text = render()
    if "--check" in sys.argv:
        if not readme.exists() or readme.read_text() != text:
            sys.exit("README.md is out of date with nbs/index.ipynb: run `make readme`")
        print("README.md is in sync")
    else:
        readme.write_text(text)
        print(f"wrote {readme}")
