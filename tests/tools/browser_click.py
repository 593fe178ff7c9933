#!/usr/bin/python3
"""Drive Debian's chromium (headless) like a person: open a page, click elements with the mouse,
and print what the browser shows afterwards.

    browser_click.py [--width=PIXELS] [--screenshot=FILE.png] URL [SELECTOR ...]

Each SELECTOR (a CSS selector) is clicked in turn with a real mouse press and release at the
centre of the element (the Chrome DevTools Protocol's Input domain), as a person would; after
a click on a submit button the script waits for the page that the click loads. It prints one JSON object:
{"title", "url", "text", "html", "pages"}: the final page's title, URL, visible text and HTML,
and how many documents were loaded. Page scripts are switched off (the pages must work without
JavaScript). --width sets the viewport's width (below 600 it is a phone's: mobile layout, touch);
--screenshot saves the final page, whole, as a PNG for a person to look at. Exits 1 with a message on stderr when a selector matches nothing or the browser
does not answer in time. The browser is a child process, ended before the script exits.
"""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

TIMEOUT = 30.0


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="brevduva-chromium-")
        self.process = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
             "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking",
             "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = self._wait_for_port()
        self.ws = websocket.create_connection(self._page_socket(port), timeout=TIMEOUT,
                                              suppress_origin=True)
        self.next_id = 0
        self.events = []

    def _wait_for_port(self):
        deadline = time.monotonic() + TIMEOUT
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        while time.monotonic() < deadline:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    first = f.readline().strip()
                if first.isdigit():
                    return int(first)
            if self.process.poll() is not None:
                raise RuntimeError("chromium exited: " + self.process.stderr.read()[-2000:])
            time.sleep(0.05)
        raise RuntimeError("chromium did not open its DevTools port")

    def _page_socket(self, port):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                for target in json.load(r):
                    if target.get("type") == "page":
                        return target["webSocketDebuggerUrl"]
            time.sleep(0.05)
        raise RuntimeError("chromium has no page")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)
        raise RuntimeError(f"{method}: no answer")

    def wait_for(self, event, after):
        """Waits for an event that arrives after the first `after` events seen."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for message in self.events[after:]:
                if message.get("method") == event:
                    return message
            self.events.append(json.loads(self.ws.recv()))
        raise RuntimeError(f"no {event}")

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            shutil.rmtree(self.profile, ignore_errors=True)


def main():
    args = sys.argv[1:]
    width, screenshot = None, None
    while args and args[0].startswith("--"):
        name, _, value = args.pop(0).partition("=")
        if name == "--width":
            width = int(value)
        elif name == "--screenshot":
            screenshot = value
        else:
            sys.exit(__doc__)
    if not args:
        sys.exit(__doc__)
    url, selectors = args[0], args[1:]
    browser = Browser()
    try:
        browser.call("Page.enable")
        browser.call("Emulation.setScriptExecutionDisabled", value=True)
        if width is not None:
            browser.call("Emulation.setDeviceMetricsOverride", width=width, height=800,
                         deviceScaleFactor=1, mobile=width < 600)
        loads = 0
        mark = len(browser.events)
        browser.call("Page.navigate", url=url)
        browser.wait_for("Page.loadEventFired", mark)
        loads += 1
        for selector in selectors:
            box = browser.evaluate(
                "(() => { const e = document.querySelector(%s); if (!e) return null;"
                " e.scrollIntoView(); const r = e.getBoundingClientRect();"
                " return [r.left + r.width / 2, r.top + r.height / 2,"
                " e.type === 'submit']; })()" % json.dumps(selector))
            if box is None:
                sys.exit(f"browser_click: nothing matches {selector}")
            mark = len(browser.events)
            for kind in ("mousePressed", "mouseReleased"):
                browser.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1],
                             button="left", clickCount=1)
            if box[2]:
                browser.wait_for("Page.loadEventFired", mark)
                loads += 1
        if screenshot:
            shot = browser.call("Page.captureScreenshot", format="png",
                                captureBeyondViewport=True)
            with open(screenshot, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
        print(json.dumps({
            "title": browser.evaluate("document.title"),
            "url": browser.evaluate("location.href"),
            "text": browser.evaluate("document.body.innerText"),
            "html": browser.evaluate("document.documentElement.outerHTML"),
            "pages": loads,
        }))
    finally:
        browser.close()


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as e:
        sys.exit(f"browser_click: {e}")
