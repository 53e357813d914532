"""The package's structure: layers in the order data flows, no import cycle anywhere, small modules."""

import re
import subprocess

import grimp
import networkx as nx
from helpers import ROOT

MAX_LINES = 400


def test_the_layers_contract_holds():
    lint = ROOT / ".venv" / "bin" / "lint-imports"
    proc = subprocess.run([str(lint) if lint.exists() else "lint-imports"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "Contracts: 2 kept, 0 broken." in proc.stdout


def test_no_import_cycle_between_any_two_modules():
    """Every import counts, those inside functions too (a function-level import that hides a cycle is one)."""
    graph = grimp.build_graph("sim", cache_dir=None)
    edges = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.startswith("sim"):
                edges.add_edge(module, imported)
    cycles = [sorted(c) for c in nx.strongly_connected_components(edges) if len(c) > 1]
    assert not cycles, f"import cycles: {cycles}"
    assert not [m for m in edges if edges.has_edge(m, m)]


def test_no_module_is_much_over_four_hundred_lines():
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "sim").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_every_folder_of_sim_is_a_layer_of_the_contract():
    text = (ROOT / "pyproject.toml").read_text()
    folders = {p.name for p in (ROOT / "sim").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in (ROOT / "sim").glob("*.py") if p.stem != "__init__"}
    for name in folders | modules:
        assert f'"{name}' in text or f"| {name}" in text, f"sim/{name} is in no layer"


GLOBAL_RANDOM = re.compile(r"^\s*import random\b|^\s*from random import"
                           r"|\bnp\.random\.(?!default_rng|SeedSequence|Generator|PCG64|BitGenerator)[a-z_]+\(",
                           re.MULTILINE)


def test_no_module_draws_from_global_random_state():
    """Every draw comes from a seeded generator; pyabc's proposals are the one exception, seeded per candidate."""
    users = {str(p.relative_to(ROOT)) for p in (ROOT / "sim").rglob("*.py") if GLOBAL_RANDOM.search(p.read_text())}
    assert users == {"sim/analysis/abc_sampler.py"}, users
