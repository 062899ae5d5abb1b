"""The engine's folders are its pipeline: imports go one way (reading input -> knowledge -> deciding
-> advice -> reports -> quality -> cli/server), with no cycles between modules and no private name
used outside the module that defines it. Read from the source with ast, so lazy imports count too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parent.parent / "engine"
STAGES = {"errors": 0, "intake": 1, "knowledge": 2, "decide": 3, "advise": 4, "report": 5, "quality": 6,
          "cli": 7, "server": 7}


def module_name(path: Path) -> str:
    parts = path.relative_to(ENGINE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ENGINE.rglob("*.py"))}


def stage(module: str) -> int | None:
    parts = module.split(".")
    return STAGES.get(parts[1]) if len(parts) > 1 else None


def engine_module(name: str) -> str | None:
    """The engine module an import names (a name imported from a package may itself be a module)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import of an engine module."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.split(".")[0] == "engine"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "engine":
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                if sub in MODULES:
                    out.append((sub, [], node.lineno))
                else:
                    out.append((node.module, [alias.name], node.lineno))
    return out


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for mod, path in MODULES.items():
        for target, _, _ in imports(path):
            found = engine_module(target)
            if found and found != mod:  # a submodule importing its own package is an edge too (a cycle)
                edges[mod].add(found)
    return edges


def test_every_module_belongs_to_a_stage():
    loose = [m for m in MODULES if m != "engine" and stage(m) is None]
    assert not loose, f"modules outside the stage packages: {loose}"


def test_imports_never_go_back_a_stage():
    backward = []
    for mod, path in MODULES.items():
        if mod == "engine":
            continue  # the public API re-exports from every stage
        for target, _, line in imports(path):
            found = engine_module(target)
            if found == "engine":
                backward.append(f"{path.name}:{line}: imports the engine package root")
            elif found and stage(found) is not None and stage(found) > stage(mod):
                backward.append(f"{mod}:{line}: imports {found} (a later stage)")
    assert not backward, "\n".join(backward)


def test_no_import_cycles():
    edges = graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for mod in sorted(edges):
        if mod not in state:
            visit(mod, [mod])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_no_private_name_used_across_modules():
    found = []
    for mod, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases: dict[str, str] = {}
        for target, names, line in imports(path):
            other = engine_module(target)
            for name in names:
                if name.startswith("_") and other != mod:
                    found.append(f"{mod}:{line}: imports {name} from {target}")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("engine"):
                for alias in node.names:
                    if f"{node.module}.{alias.name}" in MODULES:
                        aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                found.append(f"{mod}:{node.lineno}: uses {aliases[node.value.id]}.{node.attr}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("bad, expected", [
    ("from engine.report.explain import explain\n", "a later stage"),
])
def test_the_direction_check_can_fail(tmp_path, bad, expected, monkeypatch):
    """The check is not vacuous: a knowledge module importing a report module is caught."""
    fake = ENGINE / "knowledge" / "_architecture_probe.py"
    fake.write_text(bad)
    try:
        MODULES[module_name(fake)] = fake
        with pytest.raises(AssertionError, match=expected):
            test_imports_never_go_back_a_stage()
    finally:
        MODULES.pop(module_name(fake), None)
        fake.unlink()


def test_the_cycle_check_catches_a_submodule_importing_its_package():
    """A package that imports its submodule, whose submodule imports the package back, is a cycle."""
    package = ENGINE / "knowledge" / "_cycle_probe"
    package.mkdir()
    try:
        (package / "__init__.py").write_text("from engine.knowledge._cycle_probe import child\n")
        (package / "child.py").write_text("from engine.knowledge._cycle_probe import something\n")
        for path in (package / "__init__.py", package / "child.py"):
            MODULES[module_name(path)] = path
        with pytest.raises(AssertionError, match="_cycle_probe"):
            test_no_import_cycles()
    finally:
        MODULES.pop("engine.knowledge._cycle_probe", None)
        MODULES.pop("engine.knowledge._cycle_probe.child", None)
        for path in package.glob("*.py"):
            path.unlink()
        package.rmdir()


def test_fact_modules_register_nothing_on_import():
    """Each fact module declares its facts as data (DECLARED); the catalog lists every module and is
    exactly the union of their sets."""
    import importlib

    from engine.knowledge import facts

    folder = ENGINE / "knowledge" / "facts"
    names = {p.stem for p in folder.glob("*.py")} - {"__init__", "base", "examples"}
    assert {m.__name__.rsplit(".", 1)[1] for m in facts.MODULES} == names
    declared = {}
    for name in sorted(names):
        module = importlib.import_module(f"engine.knowledge.facts.{name}")
        declared.update(module.DECLARED.facts)
    assert set(declared) == set(facts.FACTS)
