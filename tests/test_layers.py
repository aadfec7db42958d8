"""The package's layers: no import cycle, and no import from a lower layer to a higher one.

Data flows one way: records, then statistics, then the answer package, then the FOI desk
(with documents beside it), then the web app and the command line. Imports inside
functions count too: deferring an import hides a cycle from Python, not from the design.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import foidesk

PACKAGE = Path(foidesk.__file__).parent

# Lowest first. The package root, the settings and the relational database sit under all.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("foidesk", "foidesk.settings", "foidesk.db", "foidesk.migrations")),
    ("records", ("foidesk.records",)),
    ("stats", ("foidesk.stats",)),
    ("answer package", ("foidesk.answers",)),
    ("foi and documents", ("foidesk.foi", "foidesk.documents")),
    ("web and CLI", ("foidesk.web", "foidesk.cli", "foidesk.__main__", "foidesk.demo")),
]


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int:
    """The rank of a module's layer: the longest matching prefix decides."""
    best, rank = "", -1
    for number, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and len(prefix) > len(best):
                best, rank = prefix, number
    if rank < 0:
        raise AssertionError(f"{module}: in no layer; add it to LAYERS")
    return rank


def imports(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Each module of the package and the package modules it imports, anywhere in it."""
    modules = {module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = name.split(".")[: len(name.split(".")) - node.level + is_package]
                    base = ".".join(here + ([base] if base else []))
                # ``from foidesk.web import public`` imports the module foidesk.web.public.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target.startswith("foidesk") and target != name:
                    found.add(target)
        graph[name] = found
    return graph


def violations(graph: dict[str, set[str]]) -> list[str]:
    """Cycles and upward imports, in words."""
    problems = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            if layer_of(target) > layer_of(module):
                problems.append(
                    f"{module} ({LAYERS[layer_of(module)][0]}) imports {target} "
                    f"({LAYERS[layer_of(target)][0]}), a higher layer"
                )
    sorter = TopologicalSorter(graph)
    try:
        sorter.prepare()
    except CycleError as exc:
        problems.append("import cycle: " + " -> ".join(exc.args[1]))
    return problems


def test_the_package_has_no_cycle_and_no_upward_import() -> None:
    graph = imports()
    assert "foidesk.answers.package" in graph and "foidesk.web.app" in graph
    assert violations(graph) == []


def test_the_walk_finds_a_cycle_and_an_upward_import(tmp_path: Path) -> None:
    """The checker itself: a deferred back-edge is a cycle, and stats importing foi is upward."""
    root = tmp_path / "foidesk"
    for package in ("", "stats", "answers", "foi"):
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").write_text("")
    (root / "stats" / "linkage.py").write_text(
        "def earlier():\n    from foidesk.answers.answer import MANIFEST\n"
    )
    (root / "answers" / "answer.py").write_text("from foidesk.stats import linkage\n")
    (root / "stats" / "table.py").write_text("from ..foi.register import ROLES\n")
    (root / "foi" / "register.py").write_text("ROLES = ()\n")
    graph = imports(root)
    assert graph["foidesk.stats.linkage"] == {"foidesk.answers.answer"}
    assert graph["foidesk.stats.table"] == {"foidesk.foi.register"}
    problems = violations(graph)
    assert any("stats.linkage (stats) imports foidesk.answers.answer" in p for p in problems)
    assert any("stats.table (stats) imports foidesk.foi.register" in p for p in problems)
    assert any(p.startswith("import cycle:") and "foidesk.stats.linkage" in p for p in problems)
