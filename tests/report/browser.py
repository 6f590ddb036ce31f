"""Headless Chromium driven over the Chrome DevTools Protocol, to check reviewer pages as a browser sees them.

Why a browser: the export refuses pages whose markup names a network URL (analysis.report.export.
find_network_requests), but only a browser shows what a page really fetches once its CSS, scripts and
images are live. `Browser.visit` opens one page and reports every request it made and every console
error, uncaught exception and unreadable image.

How the network is watched and blocked (three layers, so a request cannot slip through unseen):
1. `Fetch.enable` with the pattern "*" pauses every request before it is sent; file:, data: and blob:
   requests are let through, any other is recorded and failed (`Fetch.failRequest`, BlockedByClient);
2. `Network.requestWillBeSent` and `Network.webSocketCreated` record every request the page starts,
   whatever its scheme (so one that the Fetch layer did not pause is still seen);
3. Chromium starts with `--host-resolver-rules=MAP * ~NOTFOUND`: no host name resolves, so even an
   unrecorded request could not leave the machine.

Console errors are `Runtime.consoleAPICalled` of type error/assert, `Runtime.exceptionThrown` and
`Log.entryAdded` at level error (this includes "Failed to load resource" for a blocked request).

The protocol runs over `--remote-debugging-pipe` (Chromium reads commands on fd 3 and writes replies on
fd 4, each message NUL-terminated JSON), so no TCP port and no websocket library are needed. The
launcher flags are those Debian's package needs headless and offline: --headless --no-sandbox
--disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update
--disable-sync and a fresh --user-data-dir.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

#: Schemes a self-contained page may load: itself, embedded data and in-page blobs.
LOCAL_SCHEMES = frozenset({"file", "data", "blob", "about"})

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-pipe",
)


class BrowserError(RuntimeError):
    """Chromium did not start, answer or load a page in time."""


@dataclass
class PageReport:
    """What loading one page did."""

    url: str
    requests: list[str] = field(default_factory=list)  # every URL the page asked for, in order
    console_errors: list[str] = field(default_factory=list)
    console_warnings: list[str] = field(default_factory=list)
    images: int = 0  # <img> elements on the page
    broken_images: int = 0  # <img> that did not decode (naturalWidth 0)
    title: str = ""

    @property
    def external_requests(self) -> list[str]:
        """Requests to anything but the local file, embedded data or blobs (i.e. to a network host)."""
        return [u for u in self.requests if urlsplit(u).scheme.lower() not in LOCAL_SCHEMES]


@dataclass
class PageProbe:
    """What a page did while it was probed (Browser.probe)."""

    url: str
    dialogs: list[str] = field(default_factory=list)  # alert/confirm/prompt/beforeunload, each dismissed
    navigations: list[str] = field(default_factory=list)  # top-level frame navigations (the first is the load)
    console_errors: list[str] = field(default_factory=list)
    title: str = ""
    value: object = None  # the evaluated expression's value
    pdf: bytes | None = None


def find_chromium() -> str | None:
    """Debian's chromium launcher if present, else a chromium on PATH."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


class Browser:
    """One headless Chromium process; `visit` opens pages one at a time, each in a fresh tab."""

    def __init__(self, executable: str, profile_dir: Path, *, start_timeout: float = 60.0):
        self._next_id = 0
        self._lock = threading.Lock()
        self._replies: dict[int, queue.Queue] = {}
        self._listeners: dict[str, queue.Queue] = {}  # sessionId -> events
        self._closed = False
        profile_dir = Path(profile_dir)
        profile_dir.mkdir(parents=True, exist_ok=True)
        # Pipes: Chromium reads commands on fd 3 and writes messages on fd 4. Duplicate our ends above
        # any low descriptor so the child's dup2 onto 3 and 4 cannot clobber them.
        cmd_read, cmd_write = os.pipe()
        msg_read, msg_write = os.pipe()
        child_in = fcntl.fcntl(cmd_read, fcntl.F_DUPFD_CLOEXEC, 100)
        child_out = fcntl.fcntl(msg_write, fcntl.F_DUPFD_CLOEXEC, 100)
        os.close(cmd_read)
        os.close(msg_write)

        def wire_pipes():  # runs in the child between fork and exec
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self.stderr_path = profile_dir.parent / f"{profile_dir.name}.stderr.log"
        self._stderr = open(self.stderr_path, "wb")
        try:
            self.process = subprocess.Popen(
                [executable, *FLAGS, f"--user-data-dir={profile_dir}", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr,
                preexec_fn=wire_pipes, close_fds=False,  # keep the dup2'ed fds 3 and 4 (ours are CLOEXEC)
            )
        finally:
            os.close(child_in)
            os.close(child_out)
        self._out = os.fdopen(cmd_write, "wb", buffering=0)
        self._in = os.fdopen(msg_read, "rb", buffering=0)
        self._reader = threading.Thread(target=self._read_loop, name="cdp-reader", daemon=True)
        self._reader.start()
        try:
            self.version = self.call("Browser.getVersion", timeout=start_timeout)
        except BrowserError as error:
            self.close()
            raise BrowserError(f"{error}; chromium stderr: {self.stderr_tail()}") from None

    # -- protocol ----------------------------------------------------------------------------------

    def _send(self, method: str, params: dict | None = None, session_id: str | None = None) -> int:
        with self._lock:
            self._next_id += 1
            ident = self._next_id
            self._replies[ident] = queue.Queue(maxsize=1)
            message = {"id": ident, "method": method, "params": params or {}}
            if session_id:
                message["sessionId"] = session_id
            try:
                self._out.write(json.dumps(message).encode() + b"\0")
            except (BrokenPipeError, ValueError) as error:
                raise BrowserError(f"chromium is gone ({error}); stderr: {self.stderr_tail()}") from None
        return ident

    def call(self, method: str, params: dict | None = None, session_id: str | None = None,
             timeout: float = 30.0) -> dict:
        """Send a command and wait for its result (raises BrowserError on a protocol error or timeout)."""
        ident = self._send(method, params, session_id)
        try:
            reply = self._replies[ident].get(timeout=timeout)
        except queue.Empty:
            raise BrowserError(f"no reply to {method} within {timeout} s") from None
        finally:
            self._replies.pop(ident, None)
        if "error" in reply:
            raise BrowserError(f"{method} failed: {reply['error']}")
        return reply.get("result", {})

    def _read_loop(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = self._in.read(65536)
            except (OSError, ValueError):
                chunk = b""
            if not chunk:
                for waiting in list(self._replies.values()):
                    waiting.put({"error": "chromium closed the pipe"})
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                if raw:
                    self._dispatch(json.loads(raw))

    def _dispatch(self, message: dict) -> None:
        if "id" in message:
            waiting = self._replies.get(message["id"])
            if waiting is not None:
                waiting.put(message)
            return
        session = message.get("sessionId", "")
        if message.get("method") == "Fetch.requestPaused":
            self._decide(message["params"], session)
        listener = self._listeners.get(session)
        if listener is not None:
            listener.put(message)

    def _decide(self, params: dict, session: str) -> None:
        """Let local requests through; fail any request to a network host (it is recorded as an event)."""
        url = params["request"]["url"]
        if urlsplit(url).scheme.lower() in LOCAL_SCHEMES:
            self._send("Fetch.continueRequest", {"requestId": params["requestId"]}, session)
        else:
            self._send("Fetch.failRequest", {"requestId": params["requestId"], "errorReason": "BlockedByClient"},
                       session)

    # -- pages -------------------------------------------------------------------------------------

    def visit(self, url: str, *, load_timeout: float = 60.0, settle: float = 1.0) -> PageReport:
        """Open `url` in a new tab with the network watched and blocked; scroll to the end (so lazily loaded
        content loads too); wait until no event has arrived for `settle` seconds; report and close the tab."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        events: queue.Queue = queue.Queue()
        self._listeners[session] = events
        report = PageReport(url)

        def record(message: dict) -> None:
            _record(message, report)

        try:
            for method, params in (("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}), ("Network.enable", {}),
                                   ("Page.enable", {}), ("Runtime.enable", {}), ("Log.enable", {})):
                self.call(method, params, session)
            self.call("Page.navigate", {"url": url}, session)
            self._drain(events, url, record, until="Page.loadEventFired", timeout=load_timeout)
            self.call("Runtime.evaluate", {"expression": "window.scrollTo(0, document.body.scrollHeight)"}, session)
            self._drain(events, url, record, quiet=settle, timeout=load_timeout)
            state = self.call("Runtime.evaluate", {"returnByValue": True, "expression": (
                "JSON.stringify({title: document.title, images: document.images.length,"
                " broken: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).length})")},
                session)
            facts = json.loads(state["result"]["value"])
            report.title, report.images, report.broken_images = facts["title"], facts["images"], facts["broken"]
            self._drain(events, url, record, quiet=0.2, timeout=load_timeout)
        finally:
            self._listeners.pop(session, None)
            try:
                self.call("Target.closeTarget", {"targetId": target})
            except BrowserError:
                pass
        return report

    @staticmethod
    def _drain(events: queue.Queue, url: str, handle, *, until: str | None = None, quiet: float = 0.0,
               timeout: float) -> None:
        """Pass each event of the tab to `handle` until `until` arrives, or until none has arrived for `quiet`
        seconds (raises BrowserError when `until` has not arrived within `timeout`)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                if until:
                    raise BrowserError(f"{url}: {until} not seen within {timeout} s")
                return
            try:
                message = events.get(timeout=min(left, quiet) if until is None else left)
            except queue.Empty:
                if until is None:
                    return
                continue
            handle(message)
            if until and message.get("method") == until:
                return

    # -- screenshots (for reviewing a page by eye) ---------------------------------------------------

    def screenshot(self, url: str, path: Path, width: int = 1100) -> Path:
        """A full-length PNG of the page at the given width."""
        return self._capture(url, path, width, height=1200)

    # -- running checks inside a page (axe-core, injection probes, print) ------------------------------

    def probe(self, url: str, expression: str | None = None, *, width: int | None = None, height: int = 900,
              inject: str | None = None, settle: float = 0.5, timeout: float = 120.0,
              pdf: bool = False) -> PageProbe:
        """Open `url` in a fresh tab and report what it did: JavaScript dialogs (each dismissed and recorded),
        top-level navigations after the first load, console errors, the title; then evaluate `inject`
        (a script, e.g. axe-core's source: DevTools evaluation is not subject to the page's CSP) and
        `expression` (awaited if it is a promise; its value returned by value). `width` emulates a viewport.
        With `pdf`, the page is also printed with Page.printToPDF (paper size from the page's @page rule)."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        events: queue.Queue = queue.Queue()
        self._listeners[session] = events
        result = PageProbe(url)

        def handle(message: dict) -> None:
            self._probe_event(message, result, session)

        try:
            for method in ("Page.enable", "Runtime.enable", "Log.enable"):
                self.call(method, {}, session)
            if width:
                self.call("Emulation.setDeviceMetricsOverride",
                          {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session)
            self.call("Page.navigate", {"url": url}, session)
            self._drain(events, url, handle, until="Page.loadEventFired", timeout=60)
            self._drain(events, url, handle, quiet=settle, timeout=60)
            if inject:
                self.call("Runtime.evaluate", {"expression": inject}, session, timeout=timeout)
            if expression:
                reply = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                       "returnByValue": True}, session, timeout=timeout)
                if "exceptionDetails" in reply:
                    raise BrowserError(f"{url}: {reply['exceptionDetails']}")
                result.value = reply["result"].get("value")
            if pdf:
                printed = self.call("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True,
                                                        "displayHeaderFooter": False}, session, timeout=timeout)
                result.pdf = base64.b64decode(printed["data"])
            self._drain(events, url, handle, quiet=0.2, timeout=60)
            title = self.call("Runtime.evaluate", {"expression": "document.title", "returnByValue": True}, session)
            result.title = title["result"].get("value", "")
        finally:
            self._listeners.pop(session, None)
            try:
                self.call("Target.closeTarget", {"targetId": target})
            except BrowserError:
                pass
        return result

    def _probe_event(self, message: dict, result: PageProbe, session: str) -> None:
        """Record one event of a probed tab: a dialog (dismissed), a top-level navigation or a console error."""
        method, params = message.get("method", ""), message.get("params", {})
        if method == "Page.javascriptDialogOpening":
            result.dialogs.append(f"{params.get('type')}: {params.get('message')}")
            self._send("Page.handleJavaScriptDialog", {"accept": False}, session)
        elif method == "Page.frameNavigated" and not params.get("frame", {}).get("parentId"):
            result.navigations.append(params["frame"].get("url", ""))
        else:
            report = PageReport(result.url)
            _record(message, report)
            result.console_errors += report.console_errors

    def screenshot_print(self, url: str, path: Path, width: int = 794) -> Path:
        """A full-length PNG of the page as it prints (print media emulated; A4 is 794 CSS px wide)."""
        return self._capture(url, path, width, height=1123, media="print")

    def _capture(self, url: str, path: Path, width: int, height: int, media: str | None = None) -> Path:
        """Open `url` in a new target at width x height (and `media` emulated), wait for load, and write a
        full-length PNG to `path`."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        events: queue.Queue = queue.Queue()
        self._listeners[session] = events
        try:
            self.call("Page.enable", {}, session)
            if media:
                self.call("Emulation.setEmulatedMedia", {"media": media}, session)
            self.call("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session)
            self.call("Page.navigate", {"url": url}, session)
            self._drain(events, url, lambda message: None, until="Page.loadEventFired", timeout=60)
            shot = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session,
                             timeout=120)
        finally:
            self._listeners.pop(session, None)
            self.call("Target.closeTarget", {"targetId": target})
        Path(path).write_bytes(base64.b64decode(shot["data"]))
        return Path(path)

    # -- shutdown ------------------------------------------------------------------------------------

    def stderr_tail(self, lines: int = 15) -> str:
        try:
            text = self.stderr_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return " | ".join([line for line in text if "dbus" not in line][-lines:])[-2000:]

    def close(self) -> None:
        """Ask Chromium to quit, then make sure this process (and only it) has ended."""
        if self._closed:
            return
        self._closed = True
        try:
            self._send("Browser.close")
        except BrowserError:
            pass
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self._out, self._in, self._stderr):
            try:
                stream.close()
            except OSError:
                pass

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _record(message: dict, report: PageReport) -> None:
    method = message.get("method", "")
    params = message.get("params", {})
    if method == "Network.requestWillBeSent":
        url = params["request"]["url"]
        report.requests.append(url if not url.startswith("data:") else url[:48] + "...")
    elif method == "Network.webSocketCreated":
        report.requests.append(params["url"])
    elif method == "Fetch.requestPaused":
        url = params["request"]["url"]
        if urlsplit(url).scheme.lower() not in LOCAL_SCHEMES and url not in report.requests:
            report.requests.append(url)
    elif method == "Runtime.consoleAPICalled":
        text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
        if params.get("type") in ("error", "assert"):
            report.console_errors.append(f"console.{params['type']}: {text}")
        elif params.get("type") == "warning":
            report.console_warnings.append(text)
    elif method == "Runtime.exceptionThrown":
        details = params.get("exceptionDetails", {})
        report.console_errors.append(
            f"uncaught: {details.get('exception', {}).get('description') or details.get('text', '')}")
    elif method == "Log.entryAdded":
        entry = params.get("entry", {})
        text = f"{entry.get('source', '')}: {entry.get('text', '')} {entry.get('url', '')}".strip()
        if entry.get("level") == "error":
            report.console_errors.append(text)
        elif entry.get("level") == "warning":
            report.console_warnings.append(text)
