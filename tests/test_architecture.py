"""The package's shape: its layers, no import cycles, a library that never imports its command line, a clean linter."""

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "g1mpc"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Package modules ``path`` imports anywhere (top level or inside functions, TYPE_CHECKING excluded)."""
    tree = ast.parse(path.read_text())
    skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for n in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found |= {n for n in names if n in modules}
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    files = {_module_name(p): p for p in package.rglob("*.py")}
    return {name: _imports(path, set(files)) - {name} for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_cycle_finder_finds_a_planted_cycle(tmp_path):
    pkg = tmp_path / "g1mpc"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from g1mpc.b import f\n")
    (pkg / "b.py").write_text("def f():\n    from g1mpc import c\n")
    (pkg / "c.py").write_text("import g1mpc.a\n")
    graph = {f"g1mpc.{m}": set() for m in "abc"}
    names = set(graph) | {"g1mpc"}
    for m in "abc":
        graph[f"g1mpc.{m}"] = _imports(pkg / f"{m}.py", names) - {"g1mpc"}
    assert find_cycle(graph) == ["g1mpc.a", "g1mpc.b", "g1mpc.c", "g1mpc.a"]


def test_package_has_no_import_cycles():
    graph = import_graph()
    assert len(graph) > 30
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph))}"


# The rooms of g1mpc/, bottom to top (docs/design.md draws this map). A module may import its own room and the
# rooms of lower layers; rooms that share a layer never import each other. The package's __init__ only chooses
# the GL backend before MuJoCo loads.
LAYERS: list[set[str]] = [
    {"common"},                                # errors, atomic writes, paths
    {"robots"},                                # one file per robot, and the MuJoCo models built from them
    {"motion"},                                # reference clips and generated motions
    {"tasks"},                                 # one file per task: cost on rollout arrays, features, fall test
    {"registry"},                              # robots and tasks by name
    {"network"},                               # the knot MLP: PyTorch checkpoints, the JAX forward pass
    {"planning"},                              # planning math, planners, rollout backends, the controller
    {"viewing", "baselines"},                  # local viewer, rendering, plots, the browser view; learned policies to compare
    {"running"},                               # run config, assembly, simulation, loops, sizing, sessions, evaluation
    {"precompiled", "learning", "lowlevel"},   # AOT builds; data collection and training; the G1's DDS interface
    {"cli"},                                   # the command line
    {"__main__"},                              # python -m g1mpc
]
ROOT_INIT_MAY_IMPORT = {"g1mpc.viewing.gl_backend", "g1mpc.viewing"}


def room(module: str) -> str:
    """The top-level sub-package (or root module) a module belongs to: ``g1mpc.planning.cem`` -> ``planning``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layering_violations(graph: dict[str, set[str]]) -> list[str]:
    """Every import that reaches a higher layer or a peer room, and every room no layer names."""
    rank = {name: i for i, layer in enumerate(LAYERS) for name in layer}
    problems = [f"{m}: room '{room(m)}' is in no layer of LAYERS" for m in sorted(graph) if room(m) and room(m) not in rank]
    for module, deps in sorted(graph.items()):
        if module == "g1mpc":
            problems += [f"g1mpc/__init__ imports {d}" for d in sorted(deps - ROOT_INIT_MAY_IMPORT)]
            continue
        for dep in sorted(deps):
            here, there = room(module), room(dep)
            if here in rank and there in rank and here != there and rank[there] >= rank[here]:
                problems.append(f"{module} ({here}) imports {dep} ({there}): not a lower layer")
    return problems


def test_layering_checker_finds_a_planted_upward_import_and_an_unplaced_room():
    graph = {"g1mpc.planning.controller": {"g1mpc.running.sim"}, "g1mpc.running.sim": {"g1mpc.planning.plan"},
             "g1mpc.learning.train": {"g1mpc.lowlevel.dds"}, "g1mpc.misc.thing": set(), "g1mpc": {"g1mpc.running.sim"}}
    problems = layering_violations(graph)
    assert any("planning.controller" in p and "not a lower layer" in p for p in problems)
    assert any("learning.train" in p for p in problems)  # peers in one layer
    assert any("'misc'" in p for p in problems)
    assert any("g1mpc/__init__" in p for p in problems)
    assert not any(p.startswith("g1mpc.running.sim") for p in problems)


def test_every_import_goes_down_the_layers():
    graph = import_graph()
    assert {room(m) for m in graph} - {""} <= set().union(*LAYERS)
    assert layering_violations(graph) == []


def test_the_package_root_holds_only_the_entry_points_and_the_registry():
    """Everything else lives in a room (sub-package), so the tree shows the architecture."""
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py", "cli.py", "registry.py"]

def test_nothing_imports_the_command_line():
    """The library, the benchmarks and the tests of the library use g1mpc's modules, never g1mpc.cli."""
    graph = import_graph()
    users = [name for name, deps in graph.items() if "g1mpc.cli" in deps and name != "g1mpc.__main__"]
    assert users == []
    for bench in (ROOT / "benchmarks").rglob("*.py"):
        assert "g1mpc.cli" not in bench.read_text(), bench.name


def test_ruff_is_clean():
    """Run through this interpreter (``python -m ruff``), so an unactivated virtual environment finds it."""
    if importlib.util.find_spec("ruff") is None:
        pytest.fail("ruff is a test dependency: pip install -e '.[test]'")
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-3000:]


def test_a_robot_is_one_file_plus_one_registry_line():
    """Every registered robot lives in its own file under g1mpc/robots/, and the registry names it once."""
    from g1mpc.registry import ROBOTS

    registry = (PACKAGE / "registry.py").read_text()
    for name in ROBOTS:
        assert (PACKAGE / "robots" / f"{name}.py").is_file(), name
        assert registry.count(f"g1mpc.robots.{name} import") == 1, name
