"""Sphinx glue between nbdev notebooks and MyST-NB: what `make docs` does to a notebook before it is rendered.

The notebooks are read as they are on disk (never written back); on `source-read` each one is transformed in memory:

- nbdev directives (`#| export`, `#| hide`, `#| slow`, ...) become MyST-NB cell tags and the `#|` lines are dropped:
  `hide`/`include: false` -> removed, `export`/`exporti` -> code folded under a toggle, `exports` -> code shown,
  a flag in settings.ini's `tst_flags` (`slow`, `bench`) or `eval: false` -> `skip-execution`.
- after an exported cell, an autodoc entry for each public name it defines (nbdev's `show_doc`).
- figure notebooks get papermill-style injected parameters after their `parameters` cell (`preset = "smoke"`).
- links written relative to the repository root (the README is generated from `nbs/index.ipynb`) are made
  relative to the notebook, and `nbs/index.ipynb` gains the site's navigation: every notebook, by file name.

Docments (the argument comments carrying units and shapes) are added to the autodoc docstrings as `:param:` lines.
At the end of the build `exec_report.json` in the output folder lists every executed notebook and whether it failed.
"""

from __future__ import annotations

import ast
import fnmatch
import hashlib
import json
import os
import re
from configparser import ConfigParser
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)
DIRECTIVE = re.compile(r"^\s*#\s*\|\s*(.*?)\s*$")
LINK = re.compile(r"(!?)(\[[^\]]*\]\()([^)\s]+)(\))")


def _settings(root: Path) -> dict:
    cfg = ConfigParser(delimiters=["="])
    cfg.read(root / "settings.ini", encoding="utf-8")
    return dict(cfg["DEFAULT"])


def _directives(src: str) -> tuple[list[str], str]:
    "Split the leading `#|` lines of a code cell from its code."
    lines, found = src.splitlines(), []
    i = 0
    while i < len(lines) and (DIRECTIVE.match(lines[i]) or not lines[i].strip()):
        m = DIRECTIVE.match(lines[i])
        if m:
            found.append(m.group(1))
        i += 1
    return (found, "\n".join(lines[i:])) if found else ([], src)


def _public_names(code: str) -> list[str]:
    "Top-level public functions and classes a cell defines (what nbdev's show_doc would document)."
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    return [
        (n.name, "class" if isinstance(n, ast.ClassDef) else "function")
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) and not n.name.startswith("_")
    ]


def _fix_link(target: str, doc_dir: Path, root: Path, image: bool) -> str:
    """A relative link that names a path from the repository root, made relative to the notebook's folder;
    a link to a file that is not a page of the site (a CSV, a Markdown table) becomes a download."""
    if re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", target):
        return target
    path, _, frag = target.partition("#")
    if not path:
        return target
    if not (doc_dir / path).exists() and (root / path).exists():
        path = os.path.relpath(root / path, doc_dir)
    full = (doc_dir / path).resolve()
    if not image and full.is_file() and not _is_page(full, root):
        return "path:" + path
    return path + ("#" + frag if frag else "")


def _is_page(path: Path, root: Path) -> bool:
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else ""
    return any(fnmatch.fnmatchcase(rel, pat) and "/" not in rel[len(pat.split("*")[0]) :] for pat in PAGES)


PAGES = ["nbs/*.ipynb", "paper_figures/*.ipynb", "docs/*.md", "docs/api/*.md"]  # conf.py's include_patterns


def transform(nb: dict, docname: str, root: Path, settings: dict, srcdir: Path) -> dict:
    skip_flags = set(settings.get("tst_flags", "").split())
    lib = settings.get("lib_path", "pinode_sr")
    doc_dir = root / Path(docname).parent
    module = None
    cells = []
    for cell in nb.get("cells", []):
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        meta = cell.setdefault("metadata", {})
        tags = list(meta.get("tags", []))
        if cell["cell_type"] == "markdown":
            cell["source"] = LINK.sub(
                lambda m: m.group(1) + m.group(2) + _fix_link(m.group(3), doc_dir, root, bool(m.group(1))) + m.group(4), src
            )
            cells.append(cell)
            continue
        if cell["cell_type"] != "code":
            cells.append(cell)
            continue
        found, code = _directives(src)
        words = [d.split()[0].rstrip(":") if d.split() else "" for d in found]
        extra = []
        for d, w in zip(found, words):
            arg = d[len(w) :].strip(" :").lower()
            if w == "default_exp":
                module = d.split()[1]
            elif w in ("hide", "exporti") or (w == "include" and arg == "false"):
                tags.append("remove-cell" if w != "exporti" else "hide-input")
            elif w == "export":
                tags.append("hide-input")
                extra = _public_names(code)
            elif w == "exports":
                extra = _public_names(code)
            elif w == "echo" and arg == "false":
                tags.append("remove-input")
            elif w == "output" and arg == "false":
                tags.append("remove-output")
            elif w in skip_flags or (w == "eval" and arg == "false"):
                tags.append("skip-execution")
        if "nbdev_export(" in code:  # never regenerate the package from a docs build (nbdev's test skips it too)
            tags += ["skip-execution", "remove-cell"]
        if words and all(w == "default_exp" for w in words) and not code.strip():
            tags.append("remove-cell")
        if tags:
            meta["tags"] = list(dict.fromkeys(tags))
        cell["source"] = code
        cells.append(cell)
        if extra and module:
            # autodoc writes reStructuredText, so its directives go through eval-rst (MyST cannot parse their output)
            entries = "\n".join(
                f"```{{eval-rst}}\n.. auto{kind}:: {lib}.{module}.{name}\n   :no-index:\n```" for name, kind in extra
            )
            cells.append({"cell_type": "markdown", "id": f"show-doc-{len(cells)}", "metadata": {}, "source": entries})
        if "parameters" in tags and docname.startswith("paper_figures/"):
            cells.append(
                {
                    "cell_type": "code",
                    "id": "injected-parameters",
                    "execution_count": None,
                    "outputs": [],
                    "metadata": {"tags": ["injected-parameters", "remove-cell"]},
                    "source": "# Parameters injected by `make docs` (as papermill -p would)\n"
                    + "\n".join(f"{k} = {v!r}" for k, v in FIGURE_PARAMETERS.items()),
                }
            )
    nb["cells"] = cells
    if docname == "nbs/" + Path(settings.get("readme_nb", "index.ipynb")).stem:
        nb["cells"].append({"cell_type": "markdown", "id": "site-navigation", "metadata": {}, "source": navigation(srcdir)})
    return nb


FIGURE_PARAMETERS = {"preset": "smoke", "out_dir": "out-smoke"}


def navigation(srcdir: Path) -> str:
    "Hidden toctrees for the home page: notebooks by file name, then figures, then the API reference."
    nbs = sorted(p.stem for p in (srcdir / "nbs").glob("*.ipynb") if p.stem != "index")
    figs = sorted(p.stem for p in (srcdir / "paper_figures").glob("*.ipynb"))

    def tree(caption, entries):
        return "```{toctree}\n:hidden:\n:caption: " + caption + "\n\n" + "\n".join(entries) + "\n```\n"

    return (
        tree("Modules", nbs)
        + "\n"
        + tree("Paper figures", [f"/paper_figures/{f}" for f in figs])
        + "\n"
        + tree("Reference", ["/docs/api/index", "/genindex", "/docs/exec_report"])
    )


def on_source_read(app, docname, source):
    if not (docname.startswith("nbs/") or docname.startswith("paper_figures/")):
        return
    root = Path(app.srcdir)
    nb = json.loads(source[0])
    source[0] = json.dumps(transform(nb, docname, root, app.config.nbdev_settings, Path(app.srcdir)))


def write_api_pages(app):
    "One API page per module of the package (found by glob), from its docstrings and docments."
    root = Path(app.confdir).parent
    lib = app.config.nbdev_settings.get("lib_path", "pinode_sr")
    out = Path(app.confdir) / "api"
    out.mkdir(exist_ok=True)
    mods = sorted(p.stem for p in (root / lib).glob("*.py") if not p.stem.startswith("_"))
    pages = {
        "index.md": "# API reference\n\nEvery public name of `" + lib + "`, one page per module (from the "
        "docstrings and the argument comments in the notebooks).\n\n```{toctree}\n:maxdepth: 1\n\n" + "\n".join(mods) + "\n```\n"
    }
    for m in mods:
        pages[f"{m}.md"] = (
            f"# `{lib}.{m}`\n\n```{{eval-rst}}\n.. automodule:: {lib}.{m}\n   :members:\n   :show-inheritance:\n```\n"
        )
    for name, text in pages.items():  # only rewrite what changed, so Sphinx does not re-read the rest
        p = out / name
        if not p.exists() or p.read_text() != text:
            p.write_text(text)
    for p in out.glob("*.md"):
        if p.name not in pages:
            p.unlink()


CODE_SPAN = re.compile(r"(?<!`)`([^`]+)`(?!`)")


def md_to_rst(line: str) -> str:
    "nbdev docstrings are Markdown: `code` becomes ``code``, and |x|, a lone *, name_ are escaped for docutils."
    out, last = [], 0
    for m in CODE_SPAN.finditer(line):
        out += [_escape(line[last : m.start()]), "``" + m.group(1) + "``"]
        last = m.end()
    return "".join(out + [_escape(line[last:])])


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    text = re.sub(r"(?<!\*)\*(?!\*)", r"\\*", text)  # keep **bold**, escape a lone * (h*f, *args)
    return re.sub(r"(\w)_(?=\W|$)", r"\1\\_", text)  # name_ is not a link target here


def add_docments(app, what, name, obj, options, lines):
    "Markdown docstrings made safe for docutils, then `:param x: comment` lines from the argument comments (docments)."
    lines[:] = [md_to_rst(l) for l in lines]
    if what not in ("function", "method", "class"):
        return
    try:
        from fastcore.docments import docments

        docs = docments(obj.__init__ if what == "class" and "__init__" in vars(obj) else obj)
    except Exception:
        return
    have = "\n".join(lines)
    new = [
        f":param {k}: {md_to_rst(v)}" for k, v in docs.items() if v and k not in ("return", "self") and f":param {k}:" not in have
    ]
    if docs.get("return") and ":return" not in have:
        new.append(f":returns: {md_to_rst(docs['return'])}")
    if new:
        lines.extend([""] + new)


def write_exec_report(app, exc):
    "exec_report.json: every notebook MyST-NB executed (or took from the cache), and whether it failed."
    if exc is not None or app.builder.format != "html":
        return
    from myst_nb.sphinx_ import NbMetadataCollector

    report = {}
    for docname in sorted(app.env.found_docs):
        data = NbMetadataCollector.get_exec_data(app.env, docname)
        if data:
            report[docname] = {k: data.get(k) for k in ("method", "succeeded", "runtime", "error")}
    Path(app.outdir, "exec_report.json").write_text(json.dumps(report, indent=1))
    failed = [d for d, r in report.items() if not r["succeeded"]]
    if failed:
        logger.warning("notebooks that failed to execute: " + ", ".join(failed))
    # the site's front door: the home page is nbs/index.html
    root = Path(app.outdir, "index.html")
    if app.config.root_doc != "index":
        root.write_text(
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{app.config.project}</title>'
            f'<meta http-equiv="refresh" content="0; url={app.config.root_doc}.html"></head>'
            f'<body><a href="{app.config.root_doc}.html">{app.config.project}</a></body></html>\n'
        )


def always_read_home(app, env, added, changed, removed):
    "The home page holds the navigation, made from the notebooks on disk: read it again every build."
    return [app.config.root_doc] if app.config.root_doc in env.found_docs else []


def setup(app):
    root = Path(app.confdir).parent
    app.add_config_value("nbdev_settings", _settings(root), "env")
    # a change to this file changes how every notebook reads: Sphinx re-reads them all (the execution cache stays)
    app.add_config_value("nbdev_sphinx_hash", hashlib.sha256(Path(__file__).read_bytes()).hexdigest(), "env")
    app.connect("builder-inited", write_api_pages)
    app.connect("source-read", on_source_read)
    app.connect("env-get-outdated", always_read_home)
    app.connect("autodoc-process-docstring", add_docments)
    app.connect("build-finished", write_exec_report)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
