"""The package map of docs/architecture.md, held: no import circle among tracker's modules, the shared kernel
(tracker/org) imports no other package, code inside tracker/ imports models from their own package (never from the
`tracker.models` module Django loads), and nothing in the app imports the benchmark.

Imports are read from the source (ast), wherever they stand: an import put inside a function to dodge a circle
is still a circle."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "tracker"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def app_modules() -> dict[str, Path]:
    return {module_name(path): path for path in APP.rglob("*.py") if "migrations" not in path.parts}


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """The tracker modules a module imports (`from tracker.x import name` counts tracker.x.name when that is a
    module, else tracker.x)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                     for alias in node.names]
        else:
            continue
        found |= {name for name in names if name.split(".")[0] in ("tracker", "bench")}
    return found


def graph() -> dict[str, set[str]]:
    modules = app_modules()
    return {name: {target for target in imports_of(path, modules) if target in modules and target != name}
            for name, path in modules.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_no_import_circle_among_tracker_modules():
    assert find_cycle(graph()) is None, " → ".join(find_cycle(graph()) or [])


def test_the_cycle_finder_finds_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_kernel_imports_no_other_package():
    for name, targets in graph().items():
        if name.startswith("tracker.org"):
            outside = {target for target in targets if not target.startswith("tracker.org")}
            assert not outside, f"{name} imports {sorted(outside)}"


def test_packages_import_models_from_their_own_package():
    modules = app_modules()
    for name, path in modules.items():
        if name == "tracker.models":
            continue
        assert "tracker.models" not in imports_of(path, modules), f"{name} imports the tracker.models aggregate"


def test_the_app_does_not_import_the_benchmark():
    modules = app_modules()
    for name, path in modules.items():
        assert not {target for target in imports_of(path, modules) if target.startswith("bench")}, name


DOMAIN = ["org", "plans", "roster", "work", "assessments", "quotas", "reporting", "api"]
# Which packages each domain package may import (docs/architecture.md); a new dependency is added here on purpose.
ALLOWED = {
    "org": set(),
    "plans": {"org", "access", "notifications"},
    "roster": {"org", "access"},
    "work": {"org", "access", "roster"},
    "assessments": {"org", "access", "plans", "roster", "work", "templatetags", "notifications"},
    "quotas": {"org", "access", "plans", "roster", "work", "assessments"},
    "reporting": {"org", "access", "plans", "roster", "work", "assessments", "quotas", "templatetags",
                  "outbox",  # issue 18, the task queue: the reminder mail is sent as deliveries
                  "notifications"},  # issue 15: the daily digest honours the e-mail choice, posts to group robots
    # the JSON API reads and writes every domain through its access rules and services, like reporting
    "api": {"org", "access", "plans", "roster", "work", "assessments", "quotas", "reporting", "templatetags"},
    # set-up: an institution's units and accounts, on the kernel alone
    "setup": {"org", "access",
              "notifications", "outbox"},  # issue 15: the group robots' pages and the delivery log, under set-up
    # issue 18, the task queue: outbound deliveries (mail, webhooks), on the kernel alone, so any package may send
    "outbox": {"org"},
    # issue 15: notifications (in the portal, by mail and group robots), on the kernel and the outbox, so that every
    # domain's services tell people of their changes
    "notifications": {"org", "outbox",
                      "access"},  # issue 15: the group robots' services check who sets them up
}


def package_of(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


def test_domain_packages_import_only_the_packages_before_them():
    for name, targets in graph().items():
        package = package_of(name)
        if package not in ALLOWED:
            continue
        outside = {package_of(target) for target in targets} - ALLOWED[package] - {package}
        assert not outside, f"{name} imports {sorted(outside)}"


def test_access_rules_read_models_only():
    for target in graph()["tracker.access"]:
        assert target.endswith(".models") or ".models." in target, f"tracker.access imports {target}"
