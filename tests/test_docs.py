"""The documentation site, checked in a real browser: headless Chromium driven over the DevTools protocol.

Runs only from `make docs-test`, which builds the site once (`make docs`) and sets PINODE_SR_DOCS_SITE; `make test`
skips it. The site is served on 127.0.0.1 (an ephemeral port) and every page is opened: it must load without console
errors, every local link and image must resolve, equations must be typeset by MathJax (served from the site itself),
figures must have loaded. Screenshots of the home page and of a module page go to docs/screenshots/.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from base64 import b64decode
from pathlib import Path
from urllib.parse import urldefrag

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("PINODE_SR_DOCS_SITE", ROOT / "docs" / "_build" / "html"))
if not SITE.is_absolute():
    SITE = ROOT / SITE
SHOTS = Path(os.environ.get("PINODE_SR_DOCS_SCREENSHOTS", ROOT / "docs" / "screenshots"))
MODULE_PAGE = "nbs/05_residuals.html"  # the screenshot of a module page (falls back to the first module)

pytestmark = pytest.mark.skipif(
    "PINODE_SR_DOCS_SITE" not in os.environ, reason="browser check of the built site: run by `make docs-test`"
)


# ---------------------------------------------------------------- serving the site, driving the browser
class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # the browser hangs up on a navigation: not an error here
        pass


class CDP:
    "The least of the Chrome DevTools protocol: send a command, wait for its answer, keep the events seen."

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.next_id, self.events = 0, []

    def send(self, method: str, timeout: float = 60, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)
        raise TimeoutError(method)

    def wait_event(self, method: str, timeout: float = 60) -> dict:
        end = time.monotonic() + timeout
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while time.monotonic() < end:
            msg = json.loads(self.ws.recv())
            if msg.get("method") == method:
                return msg
            self.events.append(msg)
        raise TimeoutError(method)

    def js(self, expr: str, timeout: float = 60):
        r = self.send("Runtime.evaluate", timeout=timeout, expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr[:80]}...: {r['exceptionDetails']}")
        return r["result"].get("value")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.fail("no chromium on PATH: `make docs-test` installs Debian's chromium (apt-get install chromium)")


@pytest.fixture(scope="module")
def server():
    assert (SITE / "index.html").exists(), f"no site in {SITE}: run `make docs` first"
    httpd = _Server(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(SITE)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="pinode-sr-chromium-")
    proc = subprocess.Popen(
        [
            _chromium(),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--hide-scrollbars",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file, end = Path(profile, "DevToolsActivePort"), time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()) and time.monotonic() < end:
            assert proc.poll() is None, "chromium exited at start"
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t["type"] == "page")
        cdp = CDP(page["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            cdp.send(f"{domain}.enable")
        cdp.send("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
        yield cdp
        cdp.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


# ---------------------------------------------------------------- one visit per page
PAGE_FACTS = """(async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  await Promise.all([...document.images].map(i => i.complete ? 0 : new Promise(r => { i.onload = i.onerror = r; })));
  const body = document.querySelector('main') || document.body;
  const prose = body.cloneNode(true);
  prose.querySelectorAll('pre, code, script, style, textarea, .highlight, mjx-container').forEach(e => e.remove());
  return {
    title: document.title,
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    images: [...document.images].map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0,
                                            w: i.naturalWidth})),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    math: document.querySelectorAll('.math').length,
    api_objects: document.querySelectorAll('dl.py').length,
    typeset: document.querySelectorAll('mjx-container').length,
    untypeset: [...document.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container')).length,
    text: prose.innerText,
    mathjax_src: [...document.scripts].map(s => s.src).filter(s => /mathjax/i.test(s)),
  };
})()"""


def _visit(cdp: CDP, url: str) -> dict:
    cdp.events.clear()
    cdp.send("Page.navigate", url=url)
    cdp.wait_event("Page.loadEventFired")
    facts = cdp.js(PAGE_FACTS)
    errors = []
    for e in cdp.events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.exceptionThrown":
            errors.append(
                "exception: "
                + json.dumps(p["exceptionDetails"].get("exception", {}).get("description") or p["exceptionDetails"].get("text"))
            )
        elif m == "Runtime.consoleAPICalled" and p.get("type") == "error":
            errors.append("console.error: " + " ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
        elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
            errors.append(f"{p['entry']['source']}: {p['entry']['text']} {p['entry'].get('url', '')}")
        elif m == "Network.loadingFailed" and not p.get("canceled"):
            errors.append(f"network: {p.get('errorText')} ({p.get('type')})")
        elif m == "Network.responseReceived" and p["response"]["status"] >= 400:
            errors.append(f"HTTP {p['response']['status']}: {p['response']['url']}")
    facts["errors"] = errors
    return facts


@pytest.fixture(scope="module")
def site(server, browser):
    "Every page reachable from the home page (and every page in the folder), visited once: url -> facts."
    pages = sorted(
        str(p.relative_to(SITE))
        for p in SITE.rglob("*.html")
        if not {"_static", "_sources", "reports", "_modules"} & set(p.relative_to(SITE).parts)
    )
    pages.remove("index.html")  # the front door only redirects to nbs/index.html (test_front_door)
    todo, seen, facts = [server + "nbs/index.html"] + [server + p for p in pages], {server + "index.html"}, {}
    while todo:
        url = urldefrag(todo.pop(0))[0]
        if url in seen:
            continue
        seen.add(url)
        facts[url] = f = _visit(browser, url)
        for link in f["links"]:
            target = urldefrag(link)[0]
            if target.startswith(server) and target.endswith(".html") and target not in seen:
                todo.append(target)
    return facts


# ---------------------------------------------------------------- the checks
def test_every_notebook_has_a_page():
    "Notebooks are found by glob, so a new notebook must appear without touching the docs configuration."
    missing = [
        f"{d}/{p.stem}.html"
        for d in ("nbs", "paper_figures")
        for p in sorted((ROOT / d).glob("*.ipynb"))
        if not (SITE / d / f"{p.stem}.html").exists()
    ]
    assert not missing, f"notebooks without a page: {missing}"
    modules = [p.stem for p in (ROOT / "pinode_sr").glob("*.py") if not p.stem.startswith("_")]
    assert modules and all((SITE / "docs" / "api" / f"{m}.html").exists() for m in modules)


def test_every_notebook_executed():
    report = json.loads((SITE / "exec_report.json").read_text())
    nbs = {f"{d}/{p.stem}" for d in ("nbs", "paper_figures") for p in (ROOT / d).glob("*.ipynb")}
    assert nbs <= set(report), f"not executed: {sorted(nbs - set(report))}"
    failed = {d: r["error"] for d, r in report.items() if not r["succeeded"]}
    assert not failed, (
        f"{len(failed)} of {len(report)} notebooks failed to execute in the docs build "
        f"(tracebacks in {SITE}/reports/): " + ", ".join(f"{d} ({e})" for d, e in failed.items())
    )


def test_pages_load_without_errors(site):
    assert len(site) >= 20, list(site)
    bad = {u: f["errors"] for u, f in site.items() if f["errors"]}
    assert not bad, json.dumps(bad, indent=1)


def test_no_broken_local_links(site, server):
    "Every <a href> to this site names a file that is served, and a #fragment names an element of that page."
    broken, checked = [], {}
    for page, f in site.items():
        for link in f["links"]:
            if not link.startswith(server):
                continue
            url, frag = urldefrag(link)
            if url not in checked:
                try:
                    with urllib.request.urlopen(url, timeout=10) as r:
                        checked[url] = r.status == 200
                except urllib.error.URLError:
                    checked[url] = False
            if not checked[url]:
                broken.append(f"{page} -> {link}")
            elif frag and url.endswith(".html") and url in site and frag not in site[url]["ids"]:
                broken.append(f"{page} -> {link} (no element with id {frag!r})")
    assert not broken, "\n".join(sorted(set(broken)))


def test_images_load(site, server):
    bad = [f"{u}: {i['src']}" for u, f in site.items() for i in f["images"] if not i["ok"]]
    assert not bad, "\n".join(bad)
    figures = [i for u, f in site.items() if "/paper_figures/" in u or u.endswith("nbs/index.html") for i in f["images"]]
    assert figures, "no figure on the home page or the figure pages"
    assert all(i["src"].startswith(server) for f in site.values() for i in f["images"] if i["src"].startswith("http")), (
        "an image is loaded from outside the site"
    )


def test_equations_typeset_offline(site, server):
    with_math = {u: f for u, f in site.items() if f["math"]}
    assert with_math, "no page with equations"
    for u, f in with_math.items():
        assert f["typeset"] > 0 and f["untypeset"] == 0, f"{u}: {f['untypeset']} of {f['math']} equations not typeset"
        assert f["mathjax_src"] and all(s.startswith(server) for s in f["mathjax_src"]), (u, f["mathjax_src"])
    raw = {u: [m for m in ("$$", "\\(", "\\[", "\\begin{") if m in f["text"]] for u, f in site.items()}
    raw = {u: m for u, m in raw.items() if m}
    assert not raw, f"raw TeX left in the text: {raw}"


def test_no_raw_markup(site):
    "Directives that were printed instead of run (autodoc output is reStructuredText, nbdev's `#|` lines)."
    marks = ("```{", ".. py:", ".. auto", ":param ", ":no-index:", "#| ")
    raw = {u: [m for m in marks if m in f["text"]] for u, f in site.items()}
    raw = {u: m for u, m in raw.items() if m}
    assert not raw, f"raw markup in the text: {raw}"


def test_api_reference_documents_arguments(site, server):
    "The API pages carry the docstrings and the docments (argument comments with units and shapes)."
    api = {u: f for u, f in site.items() if "/docs/api/" in u and not u.endswith("index.html")}
    assert api, "no API pages"
    empty = sorted(u for u, f in api.items() if not f["api_objects"])
    assert not empty, f"API pages with nothing on them (the module failed to import in the docs build?): {empty}"
    documented = [u for u, f in api.items() if "Parameters" in f["text"]]
    assert len(documented) >= len(api) // 2, f"API pages without parameter lists: {sorted(set(api) - set(documented))}"


def test_front_door(browser, server):
    "The site's root redirects to the home page, nbs/index.html (the notebook the README is made from)."
    browser.send("Page.navigate", url=server)
    end = time.monotonic() + 20
    while time.monotonic() < end and not browser.js("location.href").endswith("nbs/index.html"):
        time.sleep(0.2)
    assert browser.js("location.href").endswith("nbs/index.html")
    assert browser.js("document.querySelectorAll('nav.bd-links a').length") >= 20, "the navigation is missing"


def test_search_works(browser, server):
    browser.send("Page.navigate", url=server + "search.html?q=residual")
    browser.wait_event("Page.loadEventFired")
    n = browser.js(
        """new Promise(resolve => { const t0 = Date.now(); (function poll() {
        const n = document.querySelectorAll('#search-results li').length;
        if (n > 0 || Date.now() - t0 > 20000) resolve(n); else setTimeout(poll, 200); })(); })""",
        timeout=30,
    )
    assert n > 0, "searching for 'residual' found nothing"


@pytest.mark.parametrize("page,name", [("nbs/index.html", "index"), (MODULE_PAGE, "module")])
def test_screenshots(browser, server, page, name):
    "Screenshots to look at: the top of the page, and the whole page (up to 6000 px)."
    if not (SITE / page).exists():
        page = sorted(str(p.relative_to(SITE)) for p in (SITE / "nbs").glob("0*.html"))[0]
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.send("Page.navigate", url=server + page)
    browser.wait_event("Page.loadEventFired")
    browser.js("(async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; })()")
    top = browser.send("Page.captureScreenshot", format="png")
    (SHOTS / f"{name}.png").write_bytes(b64decode(top["data"]))
    height = min(6000, int(browser.js("document.documentElement.scrollHeight")))
    full = browser.send(
        "Page.captureScreenshot",
        format="png",
        captureBeyondViewport=True,
        clip={"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1},
    )
    (SHOTS / f"{name}-full.png").write_bytes(b64decode(full["data"]))
    assert (SHOTS / f"{name}.png").stat().st_size > 10_000
