"""Sphinx configuration of the pinode-sr documentation site (`make docs`; docs/README.md says how it works).

`sphinx-build -c docs . docs/_build/html`: the source folder is the repository root (only the patterns below are
read), so every notebook executes in its own folder, as `make test` and papermill run them.

A notebook that `make test` has executed already (tests/test_notebooks.py writes it with its outputs to
docs/_build/executed/<path>.ipynb, stamped with the SHA-256 of the source it ran) is shown with those outputs and
not executed again; one without a copy, or whose source changed since, is executed here as before. So `make docs`
alone still works, and CI's `make test` then `make docs-test` executes each nbs/ notebook once.
"""

import hashlib
import json
import os
import sys
from configparser import ConfigParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# References and runs the notebooks compute go to the docs build's own cache (kept between builds), not ~/.cache.
os.environ.setdefault("PINODE_SR_CACHE", str(HERE / "_build" / "pinode-sr-cache"))

_cfg = ConfigParser(delimiters=["="])
_cfg.read(ROOT / "settings.ini", encoding="utf-8")
_s = _cfg["DEFAULT"]

project = _s["title"]
author = _s["author"]
copyright = _s["copyright"]
release = version = _s["version"]

extensions = [
    "myst_nb",  # notebooks (and MyST Markdown) with execution and a cache
    "sphinx.ext.autodoc",  # the API reference from docstrings
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax 3 shipped in a PyPI wheel, copied into _static: no CDN
    "sphinx_copybutton",
    "nbdev_sphinx",  # docs/_ext: nbdev directives -> cell tags, docments, API pages, exec report
]

root_doc = "nbs/index"  # the home page is the notebook the README is made from
include_patterns = ["nbs/*.ipynb", "paper_figures/*.ipynb", "docs/*.md", "docs/api/*.md"]  # = nbdev_sphinx.PAGES
exclude_patterns = [
    ".venv",
    ".git",
    "docs/_build",
    "docs/screenshots",
    "docs/README.md",
    "**/.ipynb_checkpoints",
    "paper_figures/executed",
    "paper_figures/out*",
    "pinode_sr",
    "tests",
    "bench",
    "tools",
]

# --- MyST-NB: execute notebooks, cache the outputs, report failures but go on
nb_execution_mode = os.environ.get("NB_EXECUTION_MODE", "cache")
nb_execution_cache_path = str(HERE / "_build" / ".jupyter_cache")
nb_execution_timeout = int(os.environ.get("NB_EXECUTION_TIMEOUT", "900"))  # seconds per cell
nb_execution_raise_on_error = False  # a failing notebook is listed in exec_report.json; tests/test_docs.py fails on it
nb_execution_show_tb = False  # tracebacks go to docs/_build/html/reports/<notebook>.err.log
nb_execution_excludepatterns = []
nb_merge_streams = True
nb_number_source_lines = False
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "html_image", "smartquotes"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# --- autodoc: signatures with types, parameters from the docments
autodoc_typehints = "description"
autodoc_member_order = "bysource"
autodoc_inherit_docstrings = False  # torch.autograd.Function.forward's docstring is not ours
autodoc_default_options = {"members": True}
autodoc_mock_imports = []
add_module_names = False
python_use_unqualified_type_names = True

# --- HTML: the book theme (navigation, search, in-page table of contents)
html_theme = "sphinx_book_theme"
html_title = f"{project} {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "repository_url": _s["git_url"],
    "path_to_docs": "nbs",
    "use_repository_button": False,  # the site works offline: no outward links in the chrome
    "show_toc_level": 2,
    "home_page_in_toc": True,
    "navigation_with_keys": False,
}
html_context = {"default_mode": "light"}  # an explicit mode: the theme logs a console error without one
html_favicon = "_static/favicon.svg"
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None

# --- reuse what `make test` executed (tests/test_notebooks.py; `make figures PRESET=smoke` for paper_figures/)
EXECUTED = Path(os.environ.get("PINODE_SR_EXECUTED") or HERE / "_build" / "executed")


def executed_copy(docname: str, source_bytes: bytes) -> dict | None:
    "The executed notebook of `docname` when there is one and it ran exactly this source, else None."
    path = EXECUTED / f"{docname}.ipynb"
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        stamp = nb["metadata"]["pinode_sr_executed"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if stamp.get("source_sha256") != hashlib.sha256(source_bytes).hexdigest():
        return None  # the notebook changed since it was executed: execute it here
    if docname.startswith("paper_figures/") and stamp.get("parameters") != {"preset": "smoke", "out_dir": "out-smoke"}:
        return None  # the site shows the figure notebooks at the smoke preset (docs/README.md)
    return nb


def _reuse_executed(app, docname, source):
    "source-read (before nbdev_sphinx's): swap in the executed copy, with MyST-NB's execution off for this notebook."
    if not (docname.startswith("nbs/") or docname.startswith("paper_figures/")):
        return
    path = Path(app.srcdir) / f"{docname}.ipynb"
    nb = executed_copy(docname, path.read_bytes()) if path.is_file() else None
    if nb is None:
        return
    stamp = nb["metadata"]["pinode_sr_executed"]
    nb["metadata"]["mystnb"] = {"execution_mode": "off"}
    source[0] = json.dumps(nb)
    app.env.note_dependency(str(EXECUTED / f"{docname}.ipynb"))  # a new copy re-reads the page
    from myst_nb.sphinx_ import NbMetadataCollector

    # the execution report (exec_report.json, the "Notebook execution" page) lists it as executed by `make test`
    data = {"mtime": (EXECUTED / f"{docname}.ipynb").stat().st_mtime, "runtime": stamp.get("seconds")}
    data |= {"method": stamp.get("by", "make test"), "succeeded": True, "error": None, "traceback": None}
    NbMetadataCollector.set_exec_data(app.env, docname, data)


def setup(app):
    app.connect("source-read", _reuse_executed, priority=400)  # nbdev_sphinx's runs at 500, on what this gives it


suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]
nitpicky = False
