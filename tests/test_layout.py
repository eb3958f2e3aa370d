"""The package's layout: imports point one way only (no module imports one that imports it back); its source is
plain text."""

import ast
import re
from pathlib import Path

import vaegan_edu

PACKAGE = Path(vaegan_edu.__file__).parent


def _modules():
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


def import_graph():
    """{module: set of vaegan_edu modules it imports}, from every import statement (top level or inside a
    function: a lazy import is still a dependency). A parent package's implicit import is not an edge."""
    mods = _modules()

    def resolve(name):
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name

    graph = {m: set() for m in mods}
    for module, path in mods.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parent + ([base] if base else []))
                targets = [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            for target in targets:
                if target.startswith("vaegan_edu"):
                    found = resolve(target)
                    if found and found != module:
                        graph[module].add(found)
    return graph


def find_cycles(graph):
    """Every edge a -> b such that b reaches a again."""
    def reach(start):
        seen, stack = set(), [start]
        while stack:
            for nxt in graph.get(stack.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    return sorted((a, b) for a in graph for b in graph[a] if a in reach(b))


PLUMBING = {"files", "repository", "resources", "validation"}  # imported by name by the modules that need them


def test_every_public_module_is_reachable_as_an_attribute_of_the_package():
    top = {m.split(".")[1] for m in _modules() if m.count(".") >= 1 and not m.split(".")[1].startswith("_")}
    assert set(vaegan_edu._SUBMODULES) == top - PLUMBING
    assert vaegan_edu.slides.__name__ == "vaegan_edu.slides" and "slides" in dir(vaegan_edu)


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [("a", "b"), ("b", "c"), ("c", "a")]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_lazy_imports():
    graph = import_graph()
    assert "vaegan_edu.weights" in graph["vaegan_edu.metrics.digits"]  # imported inside digit_classifier()
    assert "vaegan_edu.models.gan_steps" in graph["vaegan_edu.models.gan"]


def test_no_module_imports_one_that_imports_it_back():
    cycles = find_cycles(import_graph())
    assert not cycles, f"import cycles (a -> b where b leads back to a): {cycles}"


def test_the_gan_train_steps_import_no_model():
    graph = import_graph()
    assert not {m for m in graph["vaegan_edu.models.gan_steps"] if m.startswith("vaegan_edu.models")}
    assert not {m for m in graph["vaegan_edu.training"] if m == "vaegan_edu.models.gan_steps"}


def test_the_figure_style_is_a_leaf_that_figures_and_settings_build_on():
    graph = import_graph()
    # matplotlib and the shared argument checks only (themselves a leaf): config, plots, diagrams and widgets may
    # import it
    assert graph["vaegan_edu.style"] <= {"vaegan_edu.validation"} and graph["vaegan_edu.validation"] == set()
    assert "vaegan_edu.style" in graph["vaegan_edu.config"] and "vaegan_edu.style" in graph["vaegan_edu.plots"]
    assert graph["vaegan_edu.diagrams"] == {"vaegan_edu.style"}


def test_no_source_file_holds_a_control_character():
    # a docstring's LaTeX outside a raw string loses its backslash ("\big" becomes a backspace and "ig"), and
    # Sphinx, help() and the reader then show the damage
    control = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
    roots = [PACKAGE, PACKAGE.parent / "tests", PACKAGE.parent / "benchmarks"]
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{n}"
        for root in roots
        for path in sorted(root.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if control.search(line)
    ]
    assert not found, f"control characters (a lost backslash?) at {found[:5]}"
