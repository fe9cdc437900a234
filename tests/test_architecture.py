"""The dependency direction of docs/architecture.md, checked on every import in the source.

    oneclicktag.core  <-  tenants  <-  webhooks  <-  customers  <-  integrations  <-  trackings

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
LAYERS = ("oneclicktag.core", "tenants", "webhooks", "customers", "integrations", "trackings")


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
        "integrations <- trackings (webhooks sits between tenants and customers):\n"
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
