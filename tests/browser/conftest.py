"""Browser-test harness for dsreport's generated pages.

Every test under ``tests/browser`` gets the ``browser`` marker.  Pages are
driven with pytest-playwright's own fixtures (``page``, ``context``,
``browser``) against Debian's ``/usr/bin/chromium``; never mix in a hand-made
``sync_playwright()`` (it breaks pytest-playwright's event loop).

Fixtures provided here:

``site_root``
    Default ``None``.  Override it in a test module (or class) to declare the
    folder the page under test may load files from::

        @pytest.fixture
        def site_root(built_site):
            return built_site

``page_guard`` (autouse)
    Watches the test's browser context.  The test FAILS if a page logs a
    console error, throws an uncaught error, opens any dialog
    (alert/confirm/prompt/beforeunload), or requests a URL other than
    ``data:``, ``blob:`` or a ``file://`` path inside the allowed root (the
    root is ``site_root``, else the one given to ``open_page``, else the
    folder of the first page the test navigated to).  Tests can loosen it
    deliberately: ``page_guard.allow_console_error(regex)``,
    ``page_guard.allow_dialogs()``, ``page_guard.allow_url_prefix(prefix)``.

``open_page(path, *, root=None, wait_until="load") -> Page``
    Opens a local HTML file in the ``page`` fixture and records the allowed
    root (``root``, else ``site_root``, else the file's folder).

``check_html(paths) -> list[str]``
    Runs the Nu HTML Checker (``java -jar $DSREPORT_VNU_JAR --errors-only
    --also-check-svg``) ONCE over all given files; returns one line per error.

``run_axe(page, *, impacts=("serious", "critical")) -> list[dict]``
    Injects ``$DSREPORT_AXE_JS`` into the page (through ``page.evaluate``, which
    a page's CSP cannot block) and returns axe-core's
    violations of the given impacts.  ``format_axe(violations)`` (a plain
    function in this module, also exposed as a fixture) renders them for an
    assertion message.

If a tool is missing (Chromium, java, the vnu jar, axe-core) the tests that
need it are skipped with a reason locally, and fail when ``CI`` is set.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
# Keep Chromium quiet on a closed network (see shared NOTES.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
AXE_IMPACTS = ("serious", "critical")
_HERE = Path(__file__).resolve().parent


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _missing_tool(message: str) -> None:
    """Fail under CI, skip elsewhere."""
    if _in_ci():
        pytest.fail(f"{message} (CI is set, so this is an error, not a skip)", pytrace=False)
    pytest.skip(message)


# --------------------------------------------------------------------------
# marker
# --------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    # pyproject.toml registers it too; avoid a duplicate line in --markers.
    if not any(line.split(":")[0].strip() == "browser" for line in config.getini("markers")):
        config.addinivalue_line("markers", "browser: drives a real browser or the HTML checker")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.parent == _HERE or _HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


# --------------------------------------------------------------------------
# browser launch (overrides pytest-playwright's fixture, keeps its CLI options)
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _missing_tool(
            f"{CHROMIUM} not found: install Debian's chromium "
            "(apt-get install --no-install-recommends chromium)"
        )
    args = list(browser_type_launch_args.get("args", []))
    args += [a for a in CHROMIUM_ARGS if a not in args]
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": args}


@pytest.fixture(scope="session")
def base_url() -> None:
    """Pages are opened from file://, never against a base URL.

    Overrides pytest-playwright 0.10.0's fallback ``base_url``, a session
    fixture defined as a method of a plugin class, which pytest 9.2 warns about
    (PytestRemovedIn10Warning: "Session-scoped fixtures defined as instance
    methods are deprecated.") -- an error under filterwarnings=error.
    """
    return None


# --------------------------------------------------------------------------
# page guard
# --------------------------------------------------------------------------


class PageGuard:
    """Records what the pages of one test's browser context do."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root: Path | None = Path(root) if root is not None else None
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[tuple[str, bool]] = []  # (url, is main-frame navigation)
        self._allowed_console: list[re.Pattern[str]] = []
        self._allowed_prefixes: list[str] = []
        self._dialogs_allowed = False

    # -- loosening, always explicit ------------------------------------------------
    def set_root(self, root: Path | str) -> None:
        self.root = Path(root)

    def allow_console_error(self, pattern: str) -> None:
        """Do not fail on console errors matching this regex (re.search)."""
        self._allowed_console.append(re.compile(pattern))

    def allow_dialogs(self) -> None:
        """Dialogs are still dismissed, but no longer fail the test."""
        self._dialogs_allowed = True

    def allow_url_prefix(self, prefix: str) -> None:
        self._allowed_prefixes.append(prefix)

    # -- listeners --------------------------------------------------------------
    def attach(self, context: Any) -> None:
        context.on("console", self._on_console)
        context.on("weberror", self._on_weberror)
        context.on("dialog", self._on_dialog)
        context.on("request", self._on_request)

    def _on_console(self, msg: Any) -> None:
        if msg.type in ("error", "assert"):
            loc = msg.location or {}
            line = loc.get("lineNumber")
            line = "" if line is None else f":{line + 1}"  # Playwright counts from 0
            where = f" ({loc['url']}{line})" if loc.get("url") else ""
            self.console_errors.append(f"console.{msg.type}: {msg.text}{where}")

    def _on_weberror(self, web_error: Any) -> None:
        err = web_error.error
        self.page_errors.append(f"uncaught {err.name or 'Error'}: {err.message}")

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type} dialog: {dialog.message!r}")
        # The test's own listener may have handled it already.
        with contextlib.suppress(Exception):
            dialog.dismiss()

    def _on_request(self, request: Any) -> None:
        try:
            main_nav = request.is_navigation_request() and request.frame.parent_frame is None
        except Exception:
            main_nav = False
        self.requests.append((request.url, main_nav))

    # -- verdict ----------------------------------------------------------------
    def _effective_root(self) -> Path | None:
        if self.root is not None:
            return self.root
        for url, main_nav in self.requests:
            if main_nav and url.startswith("file:"):
                return _file_url_path(url).parent
        return None

    def bad_requests(self) -> list[str]:
        root = self._effective_root()
        roots = set()
        if root is not None:
            roots = {Path(os.path.abspath(root)), Path(os.path.realpath(root))}
        bad = []
        for url, _ in self.requests:
            scheme = urlsplit(url).scheme.lower()
            if scheme in ("data", "blob") or url == "about:blank":
                continue
            if any(url.startswith(p) for p in self._allowed_prefixes):
                continue
            if scheme == "file" and urlsplit(url).netloc in ("", "localhost") and roots:
                path = _file_url_path(url)
                candidates = {Path(os.path.normpath(path)), Path(os.path.realpath(path))}
                if any(c == r or r in c.parents for c in candidates for r in roots):
                    continue
            bad.append(url)
        return bad

    def problems(self) -> list[str]:
        out: list[str] = []
        out += [
            e for e in self.console_errors if not any(p.search(e) for p in self._allowed_console)
        ]
        out += self.page_errors
        if not self._dialogs_allowed:
            out += self.dialogs
        root = self._effective_root()
        out += [
            f"request outside {root or 'the site (no root declared)'}: {u}"
            for u in self.bad_requests()
        ]
        return out

    def report(self) -> str:
        return "\n".join(f"  - {p}" for p in self.problems())


def _file_url_path(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


_GUARD_KEY = pytest.StashKey[PageGuard]()
_CONTEXT_KEY = pytest.StashKey[Any]()


@pytest.fixture
def site_root() -> Path | None:
    """Override to declare the folder the pages under test may load from."""
    return None


@pytest.fixture(autouse=True)
def page_guard(request: pytest.FixtureRequest) -> PageGuard:
    guard = PageGuard(request.getfixturevalue("site_root"))
    request.node.stash[_GUARD_KEY] = guard
    # Only tests that use pytest-playwright's page/context get a browser.
    if "context" in request.fixturenames:
        context = request.getfixturevalue("context")
        guard.attach(context)
        request.node.stash[_CONTEXT_KEY] = context
    return guard


def _flush_events(context: Any) -> None:
    """One round trip to the driver so events already sent get dispatched."""
    try:
        pages = [p for p in context.pages if not p.is_closed()]
        if pages:
            pages[0].wait_for_timeout(20)
    except Exception:
        pass


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    try:
        result = yield
    except BaseException:
        guard = item.stash.get(_GUARD_KEY, None)
        if guard is not None and guard.problems():
            item.add_report_section("call", "page guard", guard.report())
        raise
    guard = item.stash.get(_GUARD_KEY, None)
    context = item.stash.get(_CONTEXT_KEY, None)
    if guard is not None:
        if context is not None:
            _flush_events(context)
        if guard.problems():
            pytest.fail("page guard: the page misbehaved:\n" + guard.report(), pytrace=False)
    return result


@pytest.fixture
def open_page(page: Any, page_guard: PageGuard, site_root: Path | None):
    """open_page(path, *, root=None, wait_until="load") -> Page (the ``page`` fixture)."""

    def _open(path: Path | str, *, root: Path | str | None = None, wait_until: str = "load"):
        path = Path(path).resolve()
        if not path.is_file():
            raise FileNotFoundError(path)
        page_guard.set_root(root if root is not None else (site_root or path.parent))
        page.goto(path.as_uri(), wait_until=wait_until)
        return page

    return _open


# --------------------------------------------------------------------------
# Nu HTML Checker
# --------------------------------------------------------------------------

_VNU_SUFFIXES = {".html", ".htm", ".xhtml", ".svg"}


def _check_html(paths: Iterable[Path | str]) -> list[str]:
    files = [Path(p).resolve() for p in paths]
    if not files:
        return []
    for f in files:
        # vnu silently ignores missing files and unknown suffixes: refuse both.
        if not f.is_file():
            raise FileNotFoundError(f)
        if f.suffix.lower() not in _VNU_SUFFIXES:
            raise ValueError(f"vnu would not check {f} (suffix not in {sorted(_VNU_SUFFIXES)})")
    jar = os.environ.get("DSREPORT_VNU_JAR", "")
    if not jar or not os.path.isfile(jar):
        _missing_tool(f"DSREPORT_VNU_JAR is unset or not a file ({jar!r}); .ci/run sets it")
    java = shutil.which("java")
    if java is None:
        _missing_tool("java not found (needed for the Nu HTML Checker)")
    cmd = [java, "-jar", jar, "--errors-only", "--also-check-svg", "--format", "json", "--stdout"]
    proc = subprocess.run(
        cmd + [str(f) for f in files], capture_output=True, text=True, timeout=600, check=False
    )
    try:
        messages = json.loads(proc.stdout)["messages"]
    except (ValueError, KeyError) as exc:
        raise RuntimeError(
            f"vnu failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        ) from exc
    errors = []
    for m in messages:
        if m.get("type") not in ("error", "non-document-error"):
            continue
        url = m.get("url", "")
        where = unquote(url[5:]) if url.startswith("file:") else url
        line = m.get("lastLine", m.get("firstLine", ""))
        col = m.get("firstColumn", m.get("lastColumn", ""))
        sub = f" {m['subType']}" if m.get("subType") else ""
        errors.append(f"{where}:{line}:{col}: {m['type']}{sub}: {m.get('message', '')}")
    if proc.returncode != 0 and not errors:
        raise RuntimeError(
            f"vnu exited {proc.returncode} with no errors listed:\n{proc.stderr[-2000:]}"
        )
    return errors


@pytest.fixture(scope="session")
def check_html() -> Callable[[Iterable[Path | str]], list[str]]:
    """check_html(paths) -> list[str]: vnu errors, one line each ("file:line:col: error: msg")."""
    return _check_html


# --------------------------------------------------------------------------
# axe-core
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _axe_source(path: str) -> str:
    return Path(path).read_text(encoding="utf-8") + "\n;0"


def _run_axe(
    page: Any, *, impacts: Iterable[str] = AXE_IMPACTS, options: dict | None = None
) -> list[dict]:
    axe_js = os.environ.get("DSREPORT_AXE_JS", "")
    if not axe_js or not os.path.isfile(axe_js):
        _missing_tool(f"DSREPORT_AXE_JS is unset or not a file ({axe_js!r}); .ci/run sets it")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Not page.add_script_tag(): it injects an inline <script>, which a page's
        # Content-Security-Policy blocks (and the block is logged as a console
        # error). Evaluating through the DevTools protocol is not subject to the
        # page's CSP, and the CSP stays in force for the page's own content.
        page.evaluate(_axe_source(axe_js))
    if not page.evaluate("() => typeof window.axe === 'object'"):
        raise RuntimeError(f"axe-core from {axe_js} did not load into the page")
    results = page.evaluate(
        "async (opts) => (await axe.run(document, opts)).violations",
        {"resultTypes": ["violations"], **(options or {})},
    )
    wanted = set(impacts)
    return [v for v in results if v.get("impact") in wanted]


def format_axe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(map(str, n.get("target", []))) for n in v.get("nodes", [])[:5])
        lines.append(f"{v.get('impact')}: {v.get('id')}: {v.get('help')} [{targets}]")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def run_axe() -> Callable[..., list[dict]]:
    """run_axe(page, *, impacts=("serious", "critical"), options=None) -> list[dict]."""
    return _run_axe


@pytest.fixture(name="format_axe", scope="session")
def _format_axe_fixture() -> Callable[[list[dict]], str]:
    return format_axe
