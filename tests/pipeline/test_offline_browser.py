"""Reviewer pages opened in headless Chromium make no network request and log no console error.

The browser is driven through the Chrome DevTools Protocol (websocket-client, in the lock) with every host
name unresolvable, and records each request the page makes (Network.requestWillBeSent), each console
error, uncaught exception and browser log error. A control page with one remote image shows that a request
is recorded. Needs Debian's `chromium` package (apt-get install chromium); skipped when it is absent.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from analysis.report.export import export_html
from analysis.report.index import IndexEntry, write_index

from .test_export import PROVENANCE, executed_notebook

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian: apt-get install chromium)")]


class Browser:
    """Headless Chromium with DevTools over a websocket; `visit` returns what a page requested and logged."""

    def __init__(self, profile: Path):
        import websocket

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--remote-debugging-port=0", f"--user-data-dir={profile}",
             "--host-resolver-rules=MAP * ~NOTFOUND", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        address = None
        deadline = time.monotonic() + 60
        while address is None and time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line and self.process.poll() is not None:
                break
            if "DevTools listening on " in line:
                address = line.split("DevTools listening on ", 1)[1].strip()
        if address is None:
            self.process.kill()
            pytest.fail("Chromium did not start its DevTools endpoint")
        self.socket = websocket.create_connection(address, timeout=30)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        while True:
            reply = json.loads(self.socket.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method and e.get("sessionId") == session for e in self.events):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {method}")
            self.socket.settimeout(max(deadline - time.monotonic(), 0.1))
            self.events.append(json.loads(self.socket.recv()))

    def drain(self, seconds: float) -> None:
        import websocket

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.socket.settimeout(max(deadline - time.monotonic(), 0.05))
            try:
                self.events.append(json.loads(self.socket.recv()))
            except websocket.WebSocketTimeoutException:
                break

    def visit(self, page: Path) -> tuple[list[str], list[str]]:
        """(URLs requested other than the page itself and data: URIs, console/log errors) of one page load."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Network", "Runtime", "Log", "Page"):
            self.call(f"{domain}.enable", {}, session)
        self.call("Page.navigate", {"url": page.as_uri()}, session)
        self.wait_for("Page.loadEventFired", session)
        self.drain(1.0)
        mine = [e for e in self.events if e.get("sessionId") == session]
        requests = [e["params"]["request"]["url"] for e in mine if e.get("method") == "Network.requestWillBeSent"]
        problems = [json.dumps(e["params"])[:300] for e in mine if (
            e.get("method") == "Runtime.exceptionThrown"
            or (e.get("method") == "Runtime.consoleAPICalled" and e["params"].get("type") in ("error", "assert"))
            or (e.get("method") == "Log.entryAdded" and e["params"]["entry"].get("level") == "error"))]
        self.call("Target.closeTarget", {"targetId": target})
        return [u for u in requests if u != page.as_uri() and not u.startswith("data:")], problems

    def close(self) -> None:
        try:
            self.socket.close()
        finally:
            self.process.kill()
            self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


def test_report_and_index_pages_make_no_request_and_log_no_error(browser, tmp_path):
    notebook = tmp_path / "report.ipynb"
    nbformat.write(executed_notebook(), notebook)
    report = export_html(notebook, tmp_path / "forces" / "SYN07" / "report.html", title="Synthetic Force 07 (SYN07)",
                         synthetic=True, provenance=PROVENANCE, index_href="../../index.html")
    index = write_index(tmp_path / "index.html", national=None, synthetic=True, provenance=PROVENANCE, forces=[
        IndexEntry("SYN07", "Synthetic Force 07", "ok", href="forces/SYN07/report.html")])
    for page in (report, index):
        requests, problems = browser.visit(page)
        assert requests == [], page.name
        assert problems == [], page.name


def test_a_remote_resource_is_recorded(browser, tmp_path):
    control = tmp_path / "control.html"
    control.write_text('<!DOCTYPE html><html><body><img src="https://images.example.org/x.png" alt="x"></body></html>',
                       encoding="utf-8")
    requests, _ = browser.visit(control)
    assert requests == ["https://images.example.org/x.png"]
