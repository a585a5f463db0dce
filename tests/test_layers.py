"""The package's layers import only the layers before them (DEVELOPERS.md, project shape)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "src" / "minihcvd"

# Rank of each layer; a module may import layers of strictly lower rank (and its own layer).
LAYER_RANK = {
    "protocol": 0,
    "dosing": 1,
    "calendar": 2,
    "clinical": 3,
    "trialdata": 4,
    "adam": 5,
    "stats": 6,
    "cohort": 7,
    "monitoring": 7,
    "report": 8,
    "cli": 9,
}
SHARED_MODULES = {"errors", "atomic", "parallel"}


def _imported_layers(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {
        name.split(".")[1]
        for name in names
        if name.startswith("minihcvd.") and name.split(".")[1] not in SHARED_MODULES
    }


@pytest.mark.parametrize("layer", sorted(LAYER_RANK))
def test_layer_imports_only_earlier_layers(layer: str) -> None:
    """No module of a layer imports a later layer or a sibling of the same rank."""
    offenders: list[str] = []
    for path in sorted((PACKAGE_ROOT / layer).rglob("*.py")):
        for imported in _imported_layers(path):
            if imported == layer:
                continue
            if imported not in LAYER_RANK:
                offenders.append(f"{path.name} imports unknown layer {imported}")
            elif LAYER_RANK[imported] >= LAYER_RANK[layer]:
                offenders.append(f"{path.name} imports {imported}")
    assert offenders == []


def test_every_subpackage_is_a_known_layer() -> None:
    """A new sub-package must be placed in the layer order before it is used."""
    subpackages = {p.name for p in PACKAGE_ROOT.iterdir() if (p / "__init__.py").exists()}
    assert subpackages == set(LAYER_RANK)


def test_core_has_no_web_or_database_code() -> None:
    """The core stays free of web and database frameworks (the web app comes later, on top)."""
    forbidden = {"django", "flask", "fastapi", "sqlalchemy", "psycopg", "psycopg2", "sqlite3"}
    found: list[str] = []
    for path in PACKAGE_ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            modules: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            found += [f"{path.name}: {m}" for m in modules if m.split(".")[0] in forbidden]
    assert found == []
