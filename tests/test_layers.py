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
    "web": 9,
    "cli": 10,
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


WEB_AND_DATABASE = {
    "django", "ninja", "django_htmx", "axes", "gunicorn", "whitenoise", "dj_database_url",
    "flask", "fastapi", "sqlalchemy", "psycopg", "psycopg2", "sqlite3",
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append(node.module)
        elif isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
    return modules


def test_core_has_no_web_or_database_code() -> None:
    """The core (every layer but ``web`` and the CLI that starts it) imports no web or database
    framework: the web application sits on top and the core never depends on it."""
    found: list[str] = []
    for path in PACKAGE_ROOT.rglob("*.py"):
        layer = path.relative_to(PACKAGE_ROOT).parts[0]
        if layer in ("web", "cli"):
            continue
        found += [f"{path.name}: {m}" for m in _imports(path) if m.split(".")[0] in WEB_AND_DATABASE]
    assert found == []


def test_the_cli_loads_the_web_layer_only_inside_its_commands() -> None:
    """``minihcvd --help`` and the core commands never start Django: the CLI imports
    ``minihcvd.web`` and Django inside the web commands' bodies only."""
    offenders: list[str] = []
    for path in sorted((PACKAGE_ROOT / "cli").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only
            modules: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            offenders += [
                f"{path.name}: {m}" for m in modules
                if m.split(".")[0] in WEB_AND_DATABASE or m.startswith("minihcvd.web")
            ]
    assert offenders == []
