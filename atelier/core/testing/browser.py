"""End-to-end test fixtures: a real Chromium driven by Playwright against pytest-django's
`live_server` (the app served from a thread, on the test database).

Loaded as a pytest plugin by the root conftest.py. What it provides:

- every test that uses a browser fixture is marked `e2e` and runs after all the other tests;
- `browser` (session): one headless Chromium, the Debian package (never a downloaded build);
- `page` / `nojs_page` (function): a fresh browser context (French, 1280×800) whose base URL is
  the live server; requests to any other host are refused (no network in tests); uncaught
  JavaScript errors on the page fail the test;
- `new_page(javascript=…)` for tests needing several pages;
- when Chromium is missing the e2e tests are skipped, and the end of the run says so loudly;
  under CI (`CI=true`) a missing Chromium is a failure instead.

The database: `live_server` makes every e2e test transactional; Django empties the tables
after each one (flush). On SQLite the FTS5 index follows through its triggers (proved by
directory/tests/e2e/test_fts_after_flush.py); on PostgreSQL the flush waits for the requests
the pages left in flight, which would otherwise deadlock with it.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from atelier.core.testing.skipping import e2e_skip_or_fail, in_ci

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
DEFAULT_TIMEOUT_MS = 10_000
# Fixtures that start the browser: a test using one of them is an end-to-end test.
BROWSER_FIXTURES = {"browser", "page", "nojs_page", "new_page"}

_e2e_nodeids = pytest.StashKey[set[str]]()


def chromium_path() -> str:
    """The Chromium binary: $ATELIER_CHROMIUM, else the Debian package's, else `chromium` on
    the PATH."""
    if os.environ.get("ATELIER_CHROMIUM"):
        return os.environ["ATELIER_CHROMIUM"]
    if Path(DEFAULT_CHROMIUM).exists():
        return DEFAULT_CHROMIUM
    return shutil.which("chromium") or DEFAULT_CHROMIUM


def browser_missing_reason() -> str | None:
    """Why the end-to-end tests cannot run here (one French sentence), or None."""
    path = chromium_path()
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        return (
            f"Chromium introuvable ({path}). Installez le paquet Debian chromium pour les exécuter."
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "le paquet Python playwright est absent. Lancez `make install`."
    return None


# -- collection: mark, skip early, run last --------------------------------------------------


def is_e2e(item: pytest.Item) -> bool:
    return item.get_closest_marker("e2e") is not None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests are `e2e` (even if their author forgot the marker) and run last, after
    pytest-django's own reordering (hence trylast): the browser starts once, late. When the
    browser is missing they are skipped here, before any live server or database is set up."""
    from atelier.core.testing.axe import AXE_FIXTURES, axe_missing_reason

    browser_reason = browser_missing_reason()
    axe_reason = axe_missing_reason()
    e2e: set[str] = config.stash.setdefault(_e2e_nodeids, set())
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & (BROWSER_FIXTURES | AXE_FIXTURES) and not is_e2e(item):
            item.add_marker(pytest.mark.e2e)
        if not is_e2e(item):
            continue
        e2e.add(item.nodeid)
        if in_ci():
            continue  # in CI the fixtures fail instead (see e2e_skip_or_fail)
        reason = browser_reason or (axe_reason if names & AXE_FIXTURES else None)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
    items.sort(key=is_e2e)  # stable: the other tests keep pytest-django's order


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole run (Debian package, no downloaded build)."""
    reason = browser_missing_reason()
    if reason:
        e2e_skip_or_fail(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)  # a loaded CI machine is slower than 5 s
    # Playwright's synchronous API keeps an asyncio loop running in this thread; Django would
    # then refuse database access from the test itself (SynchronousOnlyOperation). The tests
    # are plain synchronous code, so the check is lifted while the browser is alive.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:
        playwright.stop()
        _restore_env("DJANGO_ALLOW_ASYNC_UNSAFE", previous)
        e2e_skip_or_fail(f"Chromium ({chromium_path()}) ne démarre pas : {exc}")
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()
        _restore_env("DJANGO_ALLOW_ASYNC_UNSAFE", previous)


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


class BrowserPage:
    """Opens pages in fresh contexts bound to the live server, and closes them afterwards."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self._contexts: list[Any] = []
        self.page_errors: list[str] = []

    def __call__(self, *, javascript: bool = True, **context_args: Any) -> Any:
        context = self.browser.new_context(
            base_url=self.base_url,
            locale="fr-FR",
            viewport=VIEWPORT,
            java_script_enabled=javascript,
            **context_args,
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        allowed = urlsplit(self.base_url).netloc
        context.route("**/*", lambda route: self._only_live_server(route, allowed))
        self._contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.page_errors.append(f"{page.url}: {exc}"))
        return page

    @staticmethod
    def _only_live_server(route: Any, allowed: str) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in {"data", "blob"} or url.netloc == allowed:
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def close(self) -> None:
        for context in self._contexts:
            context.close()
        _wait_for_live_server_requests()


def _wait_for_live_server_requests(timeout: float = 10.0) -> None:
    """Let the requests the pages left in flight (map reloads, prefetches) finish before the
    test's database is flushed: on PostgreSQL a TRUNCATE racing a request deadlocks."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(max(0.0, deadline - time.monotonic()))


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[BrowserPage]:
    """`new_page()` or `new_page(javascript=False)`: a page in a fresh context. Uncaught
    JavaScript errors in any of them fail the test."""
    pages = BrowserPage(browser, live_server.url)
    yield pages
    pages.close()
    if pages.page_errors:
        pytest.fail(
            "Erreurs JavaScript non interceptées :\n" + "\n".join(pages.page_errors),
            pytrace=False,
        )


@pytest.fixture
def page(new_page: BrowserPage) -> Any:
    """A Chromium page with JavaScript; `page.goto("/atlas/")` goes to the live server."""
    return new_page()


@pytest.fixture
def nojs_page(new_page: BrowserPage) -> Any:
    """A Chromium page with JavaScript disabled: what the server renders, nothing more."""
    return new_page(javascript=False)


# -- end of run: say loudly what was skipped ----------------------------------------------------


def e2e_outcome(terminalreporter: Any) -> dict[str, Any]:
    """Counts of the e2e tests by outcome (each test counted once), and the skip reasons."""
    e2e = terminalreporter.config.stash.get(_e2e_nodeids, set())
    outcome_of: dict[str, str] = {}
    reasons: Counter[str] = Counter()
    for outcome in ("passed", "skipped", "failed", "error"):  # later outcomes win
        for report in terminalreporter.stats.get(outcome, []):
            if report.nodeid not in e2e:
                continue
            if outcome == "passed" and report.when != "call":
                continue
            outcome_of[report.nodeid] = "failed" if outcome == "error" else outcome
            if outcome == "skipped":
                longrepr = report.longrepr
                reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
                reasons[reason.removeprefix("Skipped: ")] += 1
    return {"outcomes": Counter(outcome_of.values()), "skip_reasons": reasons}


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    summary = e2e_outcome(terminalreporter)
    outcomes, reasons = summary["outcomes"], summary["skip_reasons"]
    missing = browser_missing_reason()
    if in_ci() and missing and terminalreporter.config.stash.get(_e2e_nodeids, None):
        terminalreporter.section("Tests de bout en bout", sep="!", red=True, bold=True)
        terminalreporter.write_line(
            f"Tests de bout en bout EN ÉCHEC (CI=true) : {missing}", red=True, bold=True
        )
    elif reasons:
        terminalreporter.section("Tests de bout en bout", sep="!", red=True, bold=True)
        for reason, count in reasons.most_common():
            terminalreporter.write_line(
                f"Tests de bout en bout ignorés : {reason} ({count} test(s))", red=True, bold=True
            )
    elif outcomes:
        ran = outcomes["passed"] + outcomes["failed"]
        terminalreporter.write_line(
            f"Tests de bout en bout : {ran} exécuté(s) dans Chromium ({chromium_path()}), "
            f"{outcomes['passed']} réussi(s), {outcomes['failed']} en échec."
        )
    _write_run_summary(terminalreporter, config, exitstatus, outcomes, reasons)


def _write_run_summary(
    terminalreporter: Any,
    config: pytest.Config,
    exitstatus: int,
    e2e: Counter[str],
    reasons: Counter[str],
) -> None:
    """One line for `make test` to print after pytest: which database, what ran, e2e or not."""
    target = os.environ.get("ATELIER_TEST_SUMMARY")
    if not target:
        return
    stats = terminalreporter.stats
    passed = len({r.nodeid for r in stats.get("passed", []) if r.when == "call"})
    failed = len({r.nodeid for k in ("failed", "error") for r in stats.get(k, [])})
    skipped = len({r.nodeid for r in stats.get("skipped", [])})
    if reasons:
        e2e_text = "e2e IGNORÉS (" + "; ".join(reasons) + ")"
    elif e2e:
        ran = e2e["passed"] + e2e["failed"]
        e2e_text = f"e2e exécutés dans Chromium ({ran}, dont {e2e['failed']} en échec)"
    else:
        e2e_text = "e2e non sélectionnés"
    line = (
        f"{database_label()} : {passed} réussis, {failed} en échec, {skipped} ignorés — "
        f"{e2e_text} — code de sortie {int(exitstatus)}"
    )
    Path(target).write_text(line + "\n", encoding="utf-8")


def database_label() -> str:
    try:
        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"]
    except Exception:  # Django not configured: nothing ran against a database
        return "base inconnue"
    if "sqlite" in engine:
        return "SQLite"
    if "postgresql" in engine:
        return "PostgreSQL"
    return engine.rsplit(".", 1)[-1]
