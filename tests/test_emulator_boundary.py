"""The Google emulator is not part of the product: no product module imports it, and the
production image carries neither it nor tests, benchmarks or development requirements."""

from __future__ import annotations

import ast
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
EMULATOR = "google_emulator"
# Test code and benchmarks may use the emulator's seed; nothing that ships may.
NOT_PRODUCT = {EMULATOR, "tests", "bench", ".venv", "var"}


def _imported_modules(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def _imports_the_emulator(source: str) -> bool:
    return any(m == EMULATOR or m.startswith(EMULATOR + ".") for m in _imported_modules(source))


def _product_modules() -> list[Path]:
    return [
        path
        for path in REPO_ROOT.rglob("*.py")
        if path.relative_to(REPO_ROOT).parts[0] not in NOT_PRODUCT
    ]


def test_no_product_module_imports_the_emulator() -> None:
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in _product_modules()
        if _imports_the_emulator(path.read_text())
    ]
    assert offenders == []


def test_the_scan_sees_every_way_of_importing_it() -> None:
    # The check above must be able to fail: each form of import is caught.
    for source in (
        "import google_emulator",
        "import google_emulator.tls as tls",
        "from google_emulator import seed",
        "from google_emulator.ads.server import start_ads_server",
        "def f():\n    from google_emulator.state import STATE\n",
    ):
        assert _imports_the_emulator(source), source
    assert not _imports_the_emulator("import google_emulator_tools\nfrom . import google_emulator")


def test_the_product_modules_are_scanned() -> None:
    scanned = {path.relative_to(REPO_ROOT).parts[0] for path in _product_modules()}
    assert {"oneclicktag", "tenants", "customers", "integrations", "trackings"} <= scanned


def _dockerfile_copies() -> list[list[str]]:
    lines = (REPO_ROOT / "docker" / "Dockerfile").read_text().splitlines()
    return [line.split()[1:] for line in lines if line.startswith(("COPY", "ADD"))]


def test_the_production_image_copies_only_the_product() -> None:
    copied = [source.rstrip("/") for args in _dockerfile_copies() for source in args[:-1]]
    assert "." not in copied, "COPY . would bring the emulator, tests and bench"
    for excluded in (EMULATOR, "tests", "bench", "requirements-dev.txt"):
        assert excluded not in copied
    assert "requirements.txt" in copied


def test_the_production_image_installs_runtime_requirements_only() -> None:
    dockerfile = (REPO_ROOT / "docker" / "Dockerfile").read_text()
    assert "pip install -r requirements.txt" in dockerfile
    assert "requirements-dev" not in dockerfile


def test_runtime_requirements_hold_no_test_or_lint_tool() -> None:
    runtime = (REPO_ROOT / "requirements.txt").read_text().lower()
    # Playwright is the product's own since the site check (trackings.sitecheck) drives Chromium.
    for tool in ("pytest", "ruff", "mypy", "schemathesis", "hypothesis"):
        assert tool not in runtime, tool


def test_every_requirement_is_pinned() -> None:
    for name in ("requirements.txt", "requirements-dev.txt"):
        for raw in (REPO_ROOT / name).read_text().splitlines():
            line = raw.strip()
            if line and not line.startswith(("#", "-r ")):
                assert "==" in line, f"{name}: {line} is not pinned"
