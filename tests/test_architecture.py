"""The dependency direction of docs/architecture.md, checked on every import in the source.

    oneclicktag.core  <-  tenants  <-  webhooks  <-  customers  <-  integrations  <-  trackings
        <-  stats

A module may import its own layer and the layers to its left, never one to its right. Lazy
imports inside functions and `TYPE_CHECKING` imports count too: a cycle hidden in a function is
still a cycle. The project package (`oneclicktag.settings`, `urls`, `celery`, ...) wires the
apps together and may import any of them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = (
    "oneclicktag.core",
    "tenants",
    "webhooks",
    "customers",
    "integrations",
    "trackings",
    "stats",
)


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    importer: str
    imported: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} imports {self.imported}"


def layer_of(module: str) -> int | None:
    for index, name in enumerate(LAYERS):
        if module == name or module.startswith(name + "."):
            return index
    return None


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # Relative: resolve against this module's package.
                package = module.split(".")
                if not is_package:
                    package.pop()
                base = package[: len(package) - (node.level - 1)]
                if node.module is None:
                    # `from .. import customers`: the names are the modules.
                    found.extend(
                        (node.lineno, ".".join([*base, alias.name])) for alias in node.names
                    )
                    continue
                target = ".".join([*base, node.module])
            else:
                target = node.module or ""
            found.append((node.lineno, target))
    return found


def wrong_way_imports(root: Path) -> list[Violation]:
    violations: list[Violation] = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in {"tests", "bench", "var", ".venv", "docs"}:
            continue
        module = module_name(root, path)
        own = layer_of(module)
        if own is None:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for line, imported in imported_modules(tree, module, path.name == "__init__.py"):
            other = layer_of(imported)
            if other is not None and other > own:
                violations.append(Violation(str(relative), line, module, imported))
    return violations


def test_every_import_runs_against_the_dependency_direction() -> None:
    violations = wrong_way_imports(ROOT)
    assert not violations, "Imports against the direction core <- tenants <- customers <- " + (
        "integrations <- trackings <- stats (webhooks sits between tenants and customers):\n"
        + "\n".join(str(v) for v in violations)
    )


def test_the_check_sees_a_wrong_way_import(tmp_path: Path) -> None:
    # The checker itself: a core module importing tenants (even lazily) is caught, a tenants
    # module importing the core is not.
    (tmp_path / "oneclicktag" / "core").mkdir(parents=True)
    (tmp_path / "tenants").mkdir()
    (tmp_path / "oneclicktag" / "core" / "viewsets.py").write_text(
        "def f():\n    from tenants.models import Role\n"
    )
    (tmp_path / "tenants" / "models.py").write_text("from oneclicktag.core.models import X\n")
    (tmp_path / "tenants" / "admin.py").write_text("from .. import customers\n")
    violations = [str(v) for v in wrong_way_imports(tmp_path)]
    assert violations == [
        "oneclicktag/core/viewsets.py:2: oneclicktag.core.viewsets imports tenants.models",
        "tenants/admin.py:1: tenants.admin imports customers",
    ]


# --- Statuses of Tracking and Deployment change in trackings/lifecycle.py only ---------------

LIFECYCLE = "trackings/lifecycle.py"
# Calls that write the keyword arguments they are given to a row.
_WRITING_CALLS = {"update", "create", "get_or_create", "update_or_create", "report", "move"}


def status_writes(root: Path) -> list[str]:
    """`x.status = ...`, `setattr(x, "status", ...)`, and `status=` handed to a call that writes
    (`.update(...)`, `.create(...)`, `Tracking(...)`, `Deployment(...)`, `ctx.report(...)`) in
    the trackings app outside trackings/lifecycle.py. Filters (`.filter(status=...)`) are reads
    and pass. The other apps cannot import the trackings models (dependency direction)."""
    found: list[str] = []
    for path in sorted((root / "trackings").rglob("*.py")):
        relative = str(path.relative_to(root))
        if relative == LIFECYCLE or "/migrations/" in relative:
            continue
        tree = ast.parse(path.read_text(), filename=relative)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Attribute) and t.attr == "status" for t in targets):
                    found.append(f"{relative}:{node.lineno}: assigns .status")
            elif isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if (
                    name == "setattr"
                    and len(node.args) > 1
                    and isinstance(node.args[1], ast.Constant)
                    and node.args[1].value == "status"
                ):
                    found.append(f"{relative}:{node.lineno}: setattr status")
                writes = name in _WRITING_CALLS or name in {"Tracking", "Deployment"}
                if writes and any(k.arg == "status" for k in node.keywords):
                    found.append(f"{relative}:{node.lineno}: {name}(status=...)")
    return sorted(found, key=lambda line: (line.split(":")[0], int(line.split(":")[1])))


def test_tracking_and_deployment_statuses_change_only_in_the_lifecycle_module() -> None:
    writes = status_writes(ROOT)
    assert not writes, "Status writes outside trackings/lifecycle.py:\n" + "\n".join(writes)


def test_the_status_check_sees_a_status_write(tmp_path: Path) -> None:
    (tmp_path / "trackings" / "engine").mkdir(parents=True)
    (tmp_path / "trackings" / "engine" / "run.py").write_text(
        "def f(deployment, qs, ctx):\n"
        "    qs.filter(status='queued').update(status='failed')\n"
        "    deployment.status = 'live'\n"
        "    ctx.report(status='applying')\n"
    )
    (tmp_path / "trackings" / "lifecycle.py").write_text("def g(t):\n    t.status = 'live'\n")
    assert status_writes(tmp_path) == [
        "trackings/engine/run.py:2: update(status=...)",
        "trackings/engine/run.py:3: assigns .status",
        "trackings/engine/run.py:4: report(status=...)",
    ]


# --- trackings: engine -> services, tasks -> engine; services never import either ------------


def service_imports_of_work(root: Path) -> list[str]:
    """Imports of trackings.engine or trackings.tasks from trackings/services: services queue
    work by task name (oneclicktag.core.tasks.enqueue_on_commit) and never run it."""
    found: list[str] = []
    for path in sorted((root / "trackings" / "services").rglob("*.py")):
        module = module_name(root, path)
        tree = ast.parse(path.read_text(), filename=str(path))
        for line, imported in imported_modules(tree, module, path.name == "__init__.py"):
            if imported.startswith(("trackings.engine", "trackings.tasks")):
                found.append(f"{path.relative_to(root)}:{line}: {imported}")
    return found


def test_services_queue_work_by_task_name_and_never_import_the_engine() -> None:
    assert service_imports_of_work(ROOT) == []


def test_the_service_check_sees_a_lazy_task_import(tmp_path: Path) -> None:
    (tmp_path / "trackings" / "services").mkdir(parents=True)
    (tmp_path / "trackings" / "services" / "deployments.py").write_text(
        "def f():\n    from trackings.tasks import run_deployment\n"
    )
    assert service_imports_of_work(tmp_path) == [
        "trackings/services/deployments.py:2: trackings.tasks"
    ]


# --- One API layout: every app's REST API is its api/ package ---------------------------------

APPS_WITH_AN_API = ("tenants", "webhooks", "customers", "integrations", "trackings", "stats")


def api_layout_problems(root: Path) -> list[str]:
    """Each app serves its API from `<app>/api/`: `views` and `serializers` (a module, or a
    package when large) and one `urls.py`; no app-level api.py, serializers.py or urls.py."""
    problems: list[str] = []
    for app in APPS_WITH_AN_API:
        api = root / app / "api"
        for part in ("views", "serializers"):
            if not ((api / f"{part}.py").exists() or (api / part / "__init__.py").exists()):
                problems.append(f"{app}/api/ has no {part}")
        if not (api / "urls.py").exists():
            problems.append(f"{app}/api/ has no urls.py")
        problems.extend(
            f"{app}/{name} outside {app}/api/"
            for name in ("api.py", "serializers.py", "urls.py")
            if (root / app / name).exists()
        )
        problems.extend(
            f"{path.relative_to(root)}: one urls.py per app"
            for path in sorted(api.rglob("*urls.py"))
            if path != api / "urls.py"
        )
    return problems


def test_every_app_serves_its_api_from_one_layout() -> None:
    assert api_layout_problems(ROOT) == []


# --- One way to package services ---------------------------------------------------------------


def services_packaging_problems(root: Path) -> list[str]:
    """Writes live in `services/` packages (one module per entity) whose `__init__` re-exports
    the public functions, so callers write `from customers import services` everywhere."""
    problems = [
        f"{path.relative_to(root)}: make it a services/ package"
        for path in sorted(root.glob("*/services.py")) + sorted(root.glob("*/*/services.py"))
    ]
    for package in sorted(root.glob("*/services")) + sorted(root.glob("*/*/services")):
        init = package / "__init__.py"
        if not init.exists() or not any(
            isinstance(node, ast.ImportFrom) for node in ast.parse(init.read_text()).body
        ):
            problems.append(f"{package.relative_to(root)}: __init__ re-exports nothing")
    return problems


def test_services_are_packaged_one_way() -> None:
    assert services_packaging_problems(ROOT) == []
