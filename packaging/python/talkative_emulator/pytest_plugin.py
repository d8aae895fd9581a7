"""pytest plugin (entry point ``pytest11``): a ``talkative_emulator`` fixture.

The emulator starts once per test session (session scope, so your own session fixtures, say a
backend under test, can take its ``url``) and is reset before each test that uses it: every test
starts from the config file's keys, fields and widget configs, with an empty log.

Settings, from the command line or an ini file (``pytest.ini``, ``pyproject.toml``'s
``[tool.pytest.ini_options]``):

    --talkative-emulator-config FILE    talkative_emulator_config = FILE
    --talkative-emulator-report-only    talkative_emulator_report_only = true
                                        talkative_emulator_args = --strict-widget-configs …
"""

from __future__ import annotations

import os
import shlex

import pytest

from . import start


def pytest_addoption(parser):
    group = parser.getgroup("talkative-emulator")
    group.addoption("--talkative-emulator-config", default=None,
                    help="TOML config file the emulator installs at start and on each reset.")
    group.addoption("--talkative-emulator-report-only", action="store_true", default=None,
                    help="Run the emulator in report-only mode.")
    parser.addini("talkative_emulator_config", "TOML config file for the talkative_emulator fixture.")
    parser.addini("talkative_emulator_report_only", "Report-only mode for the talkative_emulator fixture.",
                  type="bool", default=False)
    parser.addini("talkative_emulator_args", "More `serve` flags for the talkative_emulator fixture.",
                  default="")


@pytest.fixture(scope="session")
def talkative_emulator(pytestconfig):
    """A running emulator (``.url``, ``.reset()``, ``.wait_for(…)``), reset before each test."""
    config = pytestconfig.getoption("talkative_emulator_config") or pytestconfig.getini("talkative_emulator_config") or None
    if config and not os.path.isabs(config):
        config = str(pytestconfig.rootpath / config)
    report_only = pytestconfig.getoption("talkative_emulator_report_only")
    if report_only is None:
        report_only = pytestconfig.getini("talkative_emulator_report_only")
    args = shlex.split(pytestconfig.getini("talkative_emulator_args") or "")
    emulator = start(config=config, report_only=bool(report_only), args=args)
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(autouse=True)
def _talkative_emulator_reset(request):
    # Only for tests that use the emulator: the others do not start it.
    if "talkative_emulator" in request.fixturenames:
        request.getfixturevalue("talkative_emulator").reset()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # A failing test that used the emulator shows what it logged.
    outcome = yield
    report = outcome.get_result()
    if report.failed and "talkative_emulator" in getattr(item, "fixturenames", ()):
        emulator = item.funcargs.get("talkative_emulator")
        if emulator is not None:
            report.sections.append(("talkative-emulator log", emulator.log()))
