#!/usr/bin/env python3
"""Opens a KubeSift report.html in headless Chromium and checks it, or takes a screenshot of it.

    headless-report.py check REPORT.html
    headless-report.py screenshot REPORT.html OUT.png [WIDTH HEIGHT [SCALE]]

`check` fails (exit 1) on any console error or warning, uncaught exception, log entry at error
level (a Content-Security-Policy violation is one), or network request other than the file
itself; it also checks that the page's script ran and that the page prints to PDF.

Talks to Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: commands on
fd 3, replies on fd 4, each message ending in NUL), so it needs nothing but Python 3 and Debian's
`chromium` package: no port, no WebSocket library.
"""

import base64
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("headless-report: no Chromium found (apt-get install -y chromium)")


class Browser:
    """One headless Chromium, one page, driven over the DevTools pipe."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="kubesift-chromium-")
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()
        arguments = [
            find_chromium(), "--headless", "--remote-debugging-pipe", "--disable-gpu", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--mute-audio",
            "--user-data-dir=" + self.profile,
        ]
        if os.geteuid() == 0:
            arguments.append("--no-sandbox")

        # The shell puts the pipes on the descriptors Chromium expects, whatever numbers they have here.
        redirect = f'exec "$0" "$@" 3<&{to_browser_read} 4>&{from_browser_write}'
        self.process = subprocess.Popen(["/bin/sh", "-c", redirect] + arguments + ["about:blank"],
                                        pass_fds=(to_browser_read, from_browser_write),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(target for target in targets if target["type"] == "page")
        self.session = self.call("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]

    def send(self, method, params=None, session=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and getattr(self, "session", None):
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        return self.next_id

    def receive(self, deadline):
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, timeout=30):
        wanted = self.send(method, params)
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_for(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event["method"] == method:
                return event
        while True:
            message = self.receive(deadline)
            if "method" in message:
                self.events.append(message)
                if message["method"] == method:
                    return message

    def settle(self, seconds):
        """Collects events for a while: late console messages, requests started by the script."""
        self.call("Runtime.evaluate", {"expression": f"new Promise(r => setTimeout(r, {int(seconds * 1000)}))",
                                       "awaitPromise": True})

    def open(self, url, width, height):
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(domain + ".enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.call("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")
        self.settle(0.5)

    def close(self):
        try:
            self.send("Browser.close", session=False)
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def problems(browser, url):
    found = []
    for event in browser.events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
            text = " ".join(str(argument.get("value", argument.get("description", ""))) for argument in params.get("args", []))
            found.append(f"console {params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            found.append("uncaught exception: " + params["exceptionDetails"].get("text", "")
                         + " " + params["exceptionDetails"].get("exception", {}).get("description", ""))
        elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
            found.append(f"log {params['entry']['level']}: {params['entry'].get('text', '')} {params['entry'].get('url', '')}")
        elif method == "Network.requestWillBeSent" and params["request"]["url"] != url:
            found.append("network request: " + params["request"]["url"])
        elif method == "Network.loadingFailed":
            found.append(f"load failed: {params.get('errorText', '')} {params.get('blockedReason', '')}")
    return found


def check(path):
    url = pathlib.Path(path).resolve().as_uri()
    browser = Browser()
    try:
        browser.open(url, 1280, 900)
        found = problems(browser, url)
        state = browser.call("Runtime.evaluate", {"expression": "document.documentElement.dataset.script || ''",
                                                  "returnByValue": True})["result"]["value"]
        if state != "ready":
            found.append("the page's script did not run (blocked by the Content-Security-Policy?)")
        sortable = browser.call("Runtime.evaluate", {"expression": "document.querySelectorAll('button.sort').length",
                                                     "returnByValue": True})["result"]["value"]
        pdf = base64.b64decode(browser.call("Page.printToPDF", {"printBackground": True}, timeout=120)["data"])
        pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
        found += [problem for problem in problems(browser, url) if problem not in found]
    finally:
        browser.close()
    if found:
        print(f"{path}: {len(found)} problem(s) in headless Chromium:")
        for problem in found:
            print("  " + problem)
        return 1
    print(f"{path}: opened in headless Chromium with no console error and no network request; "
          f"the script ran ({sortable} sortable columns); printed to {pages} PDF pages.")
    return 0


def screenshot(path, output, width=1280, height=1600, scale=1.0):
    url = pathlib.Path(path).resolve().as_uri()
    browser = Browser()
    try:
        browser.open(url, width, height)
        image = browser.call("Page.captureScreenshot", {
            "format": "png", "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": scale}})["data"]
    finally:
        browser.close()
    pathlib.Path(output).write_bytes(base64.b64decode(image))
    print(f"{output}: the top {width}×{height} of {path}, scaled by {scale}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2]))
    if len(sys.argv) in (4, 6, 7) and sys.argv[1] == "screenshot":
        size = [int(value) for value in sys.argv[4:6]] + [float(value) for value in sys.argv[6:7]]
        sys.exit(screenshot(sys.argv[2], sys.argv[3], *size))
    sys.exit(__doc__)
