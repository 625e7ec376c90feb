"""Headless Debian chromium driven over the DevTools protocol on a pipe (stdlib only, no websocket).

`--remote-debugging-pipe` makes chromium read commands from fd 3 and write replies to fd 4, each a JSON
message ended by a NUL byte. A Page opens one file, records every console message, uncaught exception,
log entry and network request, runs script in the page, and takes PNG screenshots.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--mute-audio",
    "--remote-debugging-pipe",
]
# A guard against a hung browser, not a measurement: nothing asserts on time.
REPLY_TIMEOUT = 60.0


class BrowserError(RuntimeError):
    pass


@dataclass
class PageLog:
    """What the page said and asked for while it was open."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def _above_nine(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


class Chromium:
    def __init__(self, binary: Path = CHROMIUM) -> None:
        self.profile = tempfile.mkdtemp(prefix="policydiff-chromium-")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        # The child's ends move above 9 so that placing them on fds 3 and 4 cannot clobber either.
        to_browser_read, from_browser_write = (_above_nine(to_browser_read), _above_nine(from_browser_write))

        # Popen cannot renumber descriptors, so bash does it: fd 3 reads commands, fd 4 writes replies.
        rewire = f'exec "$@" 3<&{to_browser_read} 4>&{from_browser_write} {to_browser_read}<&- {from_browser_write}>&-'
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (open while chromium runs; closed in close())
        self.process = subprocess.Popen(
            ["/bin/bash", "-c", rewire, "chromium", str(binary), *FLAGS, f"--user-data-dir={self.profile}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
            pass_fds=(to_browser_read, from_browser_write),
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._next_id = 0
        self._replies: dict[int, queue.Queue] = {}
        self._events: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._from_browser, 1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                if "id" in message:
                    with self._lock:
                        waiting = self._replies.get(message["id"])
                    if waiting is not None:
                        waiting.put(message)
                else:
                    self._events.put(message)
        self._events.put({"method": "closed"})

    def send(self, method: str, session: str | None = None, **params: object) -> dict:
        with self._lock:
            self._next_id += 1
            ident = self._next_id
            reply: queue.Queue = queue.Queue()
            self._replies[ident] = reply
        message: dict[str, object] = {"id": ident, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        try:
            answer = reply.get(timeout=REPLY_TIMEOUT)
        except queue.Empty:
            raise BrowserError(f"chromium did not answer {method}") from None
        if "error" in answer:
            raise BrowserError(f"{method}: {answer['error']}")
        return answer.get("result", {})

    def event(self) -> dict:
        try:
            return self._events.get(timeout=REPLY_TIMEOUT)
        except queue.Empty:
            raise BrowserError("chromium sent nothing") from None

    def pending_events(self) -> list[dict]:
        events = []
        while not self._events.empty():
            events.append(self._events.get_nowait())
        return events

    def open(self, path: Path, width: int = 1280, height: int = 900) -> Page:
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.send(f"{domain}.enable", session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        page = Page(self, session, PageLog())
        self.send("Page.navigate", session, url=path.resolve().as_uri())
        page.wait_for("Page.loadEventFired")
        return page

    def close(self) -> None:
        with contextlib.suppress(BrowserError, OSError):
            self.send("Browser.close")
        try:
            self.process.wait(timeout=REPLY_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        self.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)


@dataclass
class Page:
    browser: Chromium
    session: str
    log: PageLog

    def _record(self, event: dict) -> None:
        if event.get("sessionId") != self.session:
            return
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            description = details.get("exception", {}).get("description") or details.get("text")
            self.log.errors.append(f"uncaught: {description}")
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(str(arg.get("value", arg.get("description", ""))) for arg in params["args"])
            if params["type"] in ("error", "assert"):
                self.log.errors.append(f"console.{params['type']}: {text}")
            elif params["type"] == "warning":
                self.log.warnings.append(f"console.warn: {text}")
        elif method == "Log.entryAdded":
            entry = params["entry"]
            if entry["level"] == "error":
                self.log.errors.append(f"{entry['source']}: {entry['text']}")
            elif entry["level"] == "warning":
                self.log.warnings.append(f"{entry['source']}: {entry['text']}")
        elif method == "Network.requestWillBeSent":
            self.log.requests.append(params["request"]["url"])

    def wait_for(self, method: str) -> None:
        while True:
            event = self.browser.event()
            if event.get("method") == "closed":
                raise BrowserError(f"chromium exited while waiting for {method}")
            self._record(event)
            if event.get("method") == method and event.get("sessionId") == self.session:
                return

    def settle(self) -> PageLog:
        """Take in every event sent so far (a round trip first, so the page's own events arrive)."""
        self.evaluate("0")
        for event in self.browser.pending_events():
            self._record(event)
        return self.log

    def evaluate(self, expression: str) -> object:
        result = self.browser.send(
            "Runtime.evaluate", self.session, expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, full_page: bool = True, media: str = "screen") -> None:
        self.browser.send("Emulation.setEmulatedMedia", self.session, media=media)
        params: dict[str, object] = {"format": "png"}
        if full_page:
            size = self.browser.send("Page.getLayoutMetrics", self.session)["cssContentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        data = self.browser.send("Page.captureScreenshot", self.session, **params)["data"]
        self.browser.send("Emulation.setEmulatedMedia", self.session, media="")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
