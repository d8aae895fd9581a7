"""The wheel as a user installs it (from target/dist, in a fresh virtual environment): the pytest
plugin's ``talkative_emulator`` fixture, Playwright for Python with Debian's Chromium, and
Selenium through the TLS listener, each on the production page ``shop.html``, whose widget is
imported from https://eu.engage.app, unchanged. Run by packaging/tests/run.sh, which makes the
key, the token and the workspace."""

import http.server
import json
import os
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

import talkative_emulator
from talkative_emulator import route_talkative

WORKSPACE = Path(os.environ["PACKAGE_TEST_WORKSPACE"])
TOKEN = os.environ["SHOP_SIGNED_TOKEN"]
CORE_API_TOKEN = "package-tests-core-api-token-0001"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
EXPECTED_ITEMS = [("email", "ann@example.com", "signed"), ("page", "checkout", "allowlisted")]


@pytest.fixture(scope="session")
def shop_url():
    page = (WORKSPACE / "shop.html").read_text().replace("%SIGNED_INTERACTION_DATA%", TOKEN).encode()

    class Shop(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/shop"
    server.shutdown()


def core_api(emulator_url, path):
    request = urllib.request.Request(emulator_url + "/api/core/v1" + path, headers={
        "Authorization": f"Bearer {CORE_API_TOKEN}", "Accept": "application/vnd.api+json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def assert_the_backend_sees(emulator_url, uuid):
    found = core_api(emulator_url, f"/interactions?filter[uuid]={uuid}")
    assert len(found["data"]) == 1
    document = core_api(emulator_url, f"/interactions/{found['data'][0]['id']}?include=interactionData")
    items = sorted((i["attributes"]["name"], i["attributes"]["data"], i["attributes"]["provenance"])
                   for i in document["included"])
    assert items == EXPECTED_ITEMS


def test_the_package_is_the_version_it_says_and_its_binary_is_on_path():
    out = subprocess.run(["talkative-emulator", "--version"], check=True, capture_output=True,
                         text=True).stdout
    assert out.startswith(f"talkative-emulator {talkative_emulator.__version__}"), out
    assert talkative_emulator.is_talkative_url("https://au.engage.app/api/ecs/v1/loader/x.js")
    assert not talkative_emulator.is_talkative_url("https://engage.app.evil.example/")


def test_playwright_runs_the_production_page_through_route_talkative(talkative_emulator, shop_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        context = browser.new_context()
        route_talkative(context, talkative_emulator)
        page = context.new_page()
        page.goto(shop_url)
        page.wait_for_function("() => window.interactionUuid", timeout=15000)
        assert page.evaluate("window.lifecycle")[:3] == ["ready", "enterStandby", "enterInteraction"]
        uuid = page.evaluate("window.interactionUuid")
        recorded = talkative_emulator.wait_for(label="Email Address")
        assert recorded["status"] == "valid", recorded

        page.goto(f"{talkative_emulator.url}/engagements/{uuid}")
        page.wait_for_selector("#agent-view tbody tr")
        rows = page.eval_on_selector_all(
            "#agent-view tbody tr",
            "trs => trs.map(tr => [...tr.cells].slice(0, 3).map(c => c.textContent.trim()).join(' | '))")
        assert sorted(rows) == ["email | Email Address | ann@example.com", "page | Page | checkout"]
        assert_the_backend_sees(talkative_emulator.url, uuid)
        browser.close()


def test_the_fixture_resets_before_each_test(talkative_emulator):
    # The previous test recorded a chat; this one starts from an empty log.
    status, body = talkative_emulator.request("GET", "/api/v1/interactions")
    assert status == 200 and body["interactions"] == []
    with pytest.raises(TimeoutError, match="The log is empty"):
        talkative_emulator.wait_for(timeout=0.3, label="Email Address")


def test_selenium_runs_the_production_page_through_the_tls_listener(shop_url, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    config = str(WORKSPACE / "emulator.toml")
    with talkative_emulator.start(config=config, args=["--tls-bind", "127.0.0.1:0"]) as emulator:
        tls_port = emulator.tls_url.rsplit(":", 1)[1]
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in CHROMIUM_FLAGS + ["--headless=new", f"--user-data-dir={tmp_path / 'profile'}"]:
            options.add_argument(flag)
        # The browser resolves Talkative's hosts to the emulator and trusts its certificate by
        # pin; the page itself is served unchanged.
        options.add_argument(f"--host-resolver-rules=MAP *.engage.app 127.0.0.1:{tls_port}")
        options.add_argument(f"--ignore-certificate-errors-spki-list={emulator.tls_spki()}")
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            driver.get(shop_url)
            uuid = WebDriverWait(driver, 15).until(lambda d: d.execute_script("return window.interactionUuid"))
            assert driver.execute_script("return window.lifecycle")[:3] == ["ready", "enterStandby", "enterInteraction"]
            recorded = emulator.wait_for(label="Email Address")
            assert recorded["status"] == "valid", recorded
            driver.get(f"{emulator.url}/engagements/{uuid}")
            WebDriverWait(driver, 10).until(lambda d: d.find_elements("css selector", "#agent-view tbody tr"))
            rows = driver.execute_script(
                "return [...document.querySelectorAll('#agent-view tbody tr')]"
                ".map(tr => [...tr.cells].slice(0, 3).map(c => c.textContent.trim()).join(' | '))")
            assert sorted(rows) == ["email | Email Address | ann@example.com", "page | Page | checkout"]
            assert_the_backend_sees(emulator.url, uuid)
        finally:
            driver.quit()


def test_exec_runs_a_command_with_the_url_and_passes_its_exit_status_through(tmp_path):
    script = tmp_path / "client.py"
    script.write_text(
        "import json, os, sys, urllib.request\n"
        "url = os.environ['TALKATIVE_EMULATOR_URL']\n"
        "health = json.load(urllib.request.urlopen(url + '/health'))\n"
        "print(health['status'], health['version'])\n"
        "sys.exit(int(sys.argv[1]))\n")
    for wanted in (0, 3):
        done = subprocess.run(["talkative-emulator", "exec", "--", sys.executable, str(script), str(wanted)],
                              capture_output=True, text=True, timeout=60,
                              env={**os.environ, "DATABASE_URL": "postgres://not-for-the-emulator"})
        assert done.returncode == wanted, done
        assert done.stdout.strip() == f"ok {talkative_emulator.__version__}", done
