"""Shared fixtures live in tests/fixtures/, one module per area, loaded here as plugins."""

pytest_plugins = [
    "tests.fixtures.tenants",
    "tests.fixtures.emulator",
    "tests.fixtures.google",
    "tests.fixtures.trackings",
    "tests.fixtures.webhooks",
    "tests.fixtures.browser",
]
