"""talkative-emulator for Python tests.

``start()`` runs the emulator on a free loopback port with a fresh database, ready when it
returns; ``route_talkative()`` makes a Playwright browser context fetch Talkative's hosts from
it; the pytest plugin (``talkative_emulator`` fixture) does both for you. The same API as the
npm package's ``start`` and ``routeTalkative``; docs/testing-with-your-stack.md shows both.

    with talkative_emulator.start(config="talkative.toml") as emu:
        requests.post(emu.url + "/api/v1/verify", json={...})
        emu.wait_for(source="widget", status="valid")
"""

from __future__ import annotations

import atexit
import collections
import inspect
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Iterable, Mapping, Optional

from ._binary import binary_path

__all__ = ["start", "Emulator", "route_talkative", "is_talkative_url", "binary_path", "TALKATIVE_HOSTS"]

__version__ = "0.0.0-set-by-packaging-build"

#: Hosts the widget is loaded from in production: ``https://{region}.engage.app``.
TALKATIVE_HOSTS = re.compile(r"^(?:[a-z0-9-]+\.)*engage\.app$", re.IGNORECASE)

#: The last lines the emulator logged, for failure messages.
LOG_LINES_KEPT = 400


class EmulatorError(RuntimeError):
    """The emulator failed to start, or answered an unexpected status."""


class Emulator:
    """A running emulator. Use it as a context manager, or call ``stop()``."""

    def __init__(self, process: subprocess.Popen, url: str, log: "collections.deque[str]",
                 admin_password: Optional[str], scratch: Optional[str]):
        self.process = process
        self.url = url
        self.port = urllib.parse.urlsplit(url).port
        self._log = log
        self._authorization = f"Bearer {admin_password}" if admin_password else None
        self._scratch = scratch
        self._stopped = False
        #: ``https://127.0.0.1:PORT`` when started with ``--tls-bind`` (Talkative's hosts served
        #: over TLS, for browsers that cannot route requests: Selenium, WebViews).
        self.tls_url: Optional[str] = None
        self._tls_spki_command: Optional[list] = None
        atexit.register(self.stop)

    def __enter__(self) -> "Emulator":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<Emulator {self.url}{' stopped' if self._stopped else ''}>"

    def log(self) -> str:
        """What the emulator logged (its last lines), for a failure message."""
        return "\n".join(self._log)

    def stop(self, timeout: float = 10.0) -> None:
        """Stops it gracefully (the log is written out first) and removes its scratch database."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream:
                stream.close()
        if self._scratch:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def request(self, method: str, path: str, body: Any = None,
                headers: Optional[Mapping[str, str]] = None, timeout: float = 70.0):
        """``(status, parsed JSON or text)`` for one request to the emulator (admin password sent
        when one was given)."""
        data = None
        sent = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        if self._authorization:
            sent.setdefault("Authorization", self._authorization)
        req = urllib.request.Request(urllib.parse.urljoin(self.url, path), data=data,
                                     headers=sent, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                status, raw, kind = response.status, response.read(), response.headers.get_content_type()
        except urllib.error.HTTPError as error:
            status, raw, kind = error.code, error.read(), error.headers.get_content_type()
        text = raw.decode("utf-8", "replace")
        if kind.endswith("json"):
            return status, json.loads(text) if text else None
        return status, text

    def reset(self) -> dict:
        """Back to the config file's keys, fields and widget configs; the log and every
        interaction wiped (``POST /api/v1/reset``)."""
        status, body = self.request("POST", "/api/v1/reset", {})
        if status != 200:
            raise EmulatorError(f"reset failed: {status} {body}\n{self._tail()}")
        return body

    def wait_for(self, timeout: float = 10.0, **filter: Any) -> dict:
        """The newest interaction in the log matching ``filter`` (the log's own filters:
        ``status``, ``source``, ``code``, ``label``, ``name``, ``q``, ``engagement``, ``rejected``,
        ``after``), waiting up to ``timeout`` seconds for one to be recorded. Raises
        ``TimeoutError`` saying what the log holds when none comes."""
        deadline = time.monotonic() + timeout
        while True:
            left = max(0.0, deadline - time.monotonic())
            query = {"limit": "1", "wait": f"{int(min(left, 60.0) * 1000)}ms"}
            for key, value in filter.items():
                if value is not None:
                    query[key] = str(value).lower() if isinstance(value, bool) else str(value)
            status, body = self.request("GET", "/api/v1/interactions?" + urllib.parse.urlencode(query))
            if status != 200:
                raise EmulatorError(f"wait_for({filter}): {status} {body}")
            if body["interactions"]:
                return body["interactions"][0]
            if time.monotonic() >= deadline:
                _, recent = self.request("GET", "/api/v1/interactions?limit=5")
                seen = "\n".join(
                    f"  {i['receivedAt']} {i.get('source', 'api')} {i['status']}: "
                    f"{', '.join(i.get('verdict', {}).get('codes', [])) or 'no codes'}"
                    for i in recent["interactions"]
                )
                raise TimeoutError(
                    f"wait_for({filter}): no such interaction within {timeout} s. "
                    + (f"The newest in the log:\n{seen}" if seen else "The log is empty.")
                )

    def tls_spki(self) -> str:
        """The TLS listener's pin, for Chromium's ``--ignore-certificate-errors-spki-list``
        (``talkative-emulator tls spki`` for this emulator's certificate folder)."""
        if not self.tls_url or not self._tls_spki_command:
            raise EmulatorError("started without --tls-bind: there is no TLS listener to pin")
        return subprocess.run(self._tls_spki_command, check=True, capture_output=True,
                              text=True).stdout.strip()

    def _tail(self) -> str:
        text = self.log()
        return f"--- the emulator's log (last {LOG_LINES_KEPT} lines) ---\n{text}" if text else ""


def _pump(stream, log: "collections.deque[str]",
          first_lines: Optional["queue.Queue[Optional[str]]"] = None, wanted: int = 0):
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace").rstrip("\n")
        if first_lines is not None and wanted > 0:
            first_lines.put(line)
            wanted -= 1
        else:
            log.append(line)
    if first_lines is not None and wanted > 0:
        first_lines.put(None)


def start(config: Optional[str] = None, port: int = 0, report_only: bool = False,
          args: Iterable[str] = (), database: Optional[str] = None,
          admin_password: Optional[str] = None, env: Optional[Mapping[str, str]] = None,
          timeout: float = 15.0) -> Emulator:
    """Starts the emulator and returns once it answers: on a free loopback port (or ``port``),
    with a fresh database removed on stop (or ``database``, kept). It stops on ``stop()``, at
    the end of a ``with`` block, at interpreter exit, and when this process dies however it
    dies (the emulator watches its stdin)."""
    binary = binary_path()
    scratch = None if database else tempfile.mkdtemp(prefix="talkative-emulator-")
    database_path = database or os.path.join(scratch, "talkative-emulator.db")
    argv = [binary, "serve", "--bind", f"127.0.0.1:{port}", "--database-url",
            f"sqlite://{database_path}", "--print-url", "--stop-when-stdin-closes"]
    if config:
        argv += ["--config", os.path.abspath(config)]
    if report_only:
        argv.append("--report-only")
    argv += list(args)
    child_env = dict(os.environ)
    child_env.update(env or {})
    if admin_password:
        child_env["TALKATIVE_ADMIN_PASSWORD"] = admin_password
    log: "collections.deque[str]" = collections.deque(maxlen=LOG_LINES_KEPT)
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=child_env)
    # With --tls-bind, --print-url prints the https URL on a second line.
    tls = any(a == "--tls-bind" or a.startswith("--tls-bind=") for a in argv)
    first_lines: "queue.Queue[Optional[str]]" = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, log, first_lines, 2 if tls else 1),
                     daemon=True).start()
    threading.Thread(target=_pump, args=(process.stderr, log), daemon=True).start()
    urls = []
    problem = None
    deadline = time.monotonic() + timeout
    while len(urls) < (2 if tls else 1):
        try:
            line = first_lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            problem = f"talkative-emulator did not say it was ready within {timeout} s."
            process.kill()
            break
        if not line:
            problem = f"talkative-emulator exited (code {process.wait()}) before it was ready."
            break
        urls.append(line.strip())
    if problem:
        process.wait()
        time.sleep(0.05)  # let the reader threads take the last lines
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
        tail = "\n".join(log)
        raise EmulatorError(f"{problem}\n--- the emulator's log ---\n{tail}" if tail else problem)
    emulator = Emulator(process, urls[0], log, admin_password, scratch)
    if tls:
        emulator.tls_url = urls[1]
        tls_dir = [a for i, a in enumerate(argv) if argv[i - 1] == "--tls-dir"][-1:]
        where = ["--tls-dir", tls_dir[0]] if tls_dir else ["--database-url", f"sqlite://{database_path}"]
        emulator._tls_spki_command = [binary, "tls", "spki", *where]
    return emulator


def is_talkative_url(url: str, hosts: "re.Pattern[str]" = TALKATIVE_HOSTS) -> bool:
    """Whether ``url`` is on one of Talkative's hosts (``*.engage.app``)."""
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in ("http", "https") and bool(hosts.match(parts.hostname or ""))


def _to_emulator(url: str, emulator_url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    base = urllib.parse.urlsplit(emulator_url)
    return urllib.parse.urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))


def route_talkative(context, emulator, hosts: "re.Pattern[str]" = TALKATIVE_HOSTS):
    """Makes a Playwright ``BrowserContext`` (or ``Page``) fetch ``https://*.engage.app/**`` from
    the emulator, path and query kept, so a page that imports Talkative's loader runs unchanged.

    Works with Playwright's sync API (returns a function that removes the route) and its async
    API (returns an awaitable of that function)."""
    emulator_url = emulator.url if hasattr(emulator, "url") else str(emulator)

    def matches(url: str) -> bool:
        return is_talkative_url(url, hosts)

    if inspect.iscoroutinefunction(context.route):
        async def handle_async(route) -> None:
            # route.continue_ cannot switch https to http: fetch from the emulator, answer with that.
            response = await route.fetch(url=_to_emulator(route.request.url, emulator_url), max_redirects=0)
            await route.fulfill(response=response)

        async def install() -> Callable[[], Any]:
            await context.route(matches, handle_async)
            return lambda: context.unroute(matches, handle_async)

        return install()

    def handle(route) -> None:
        response = route.fetch(url=_to_emulator(route.request.url, emulator_url), max_redirects=0)
        route.fulfill(response=response)

    context.route(matches, handle)
    return lambda: context.unroute(matches, handle)
