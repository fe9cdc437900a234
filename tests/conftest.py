"""Shared fixtures live in tests/fixtures/, one module per area, loaded here as plugins."""

pytest_plugins = [
    "tests.fixtures.tenants",
    "tests.fixtures.emulator",
    "tests.fixtures.google",
    "tests.fixtures.trackings",
    "tests.fixtures.webhooks",
    "tests.fixtures.browser",
]


def pytest_runtest_logreport(report):
    """Keep the summaries tests attach with `record_property(..._summary, text)` (the
    schemathesis run's counts) to print them at the end, also from pytest-xdist workers."""
    if report.when == "call":
        for name, value in report.user_properties:
            if name.endswith("_summary"):
                _SUMMARIES.append((report.nodeid, str(value)))


def pytest_terminal_summary(terminalreporter):
    for nodeid, text in _SUMMARIES:
        terminalreporter.write_sep("-", nodeid)
        terminalreporter.write_line(text)


_SUMMARIES: list[tuple[str, str]] = []
