"""The rule of the house, checked on the source: channels translate, handlers decide, storage
remembers, playbooks say. No layer below `bot` imports it, SQL lives only in `storage`, and no
module imports itself round a cycle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "playbooks", "storage")
BELOW_BOT = ("handlers", "playbooks", "storage")
SQL = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|PRAGMA|BEGIN|COMMIT|ROLLBACK|VACUUM"
    r"|SAVEPOINT|RELEASE)\b"
)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPOSITORY / package).rglob("*.py"):
            parts = path.relative_to(REPOSITORY).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = modules()


def imports_of(name: str, path: Path) -> set[str]:
    """Every project module this one imports, at any depth of the file (lazy ones too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name and "." in target:
                found.add(target)
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def test_nothing_below_bot_imports_bot():
    offenders = {
        name: sorted(t for t in targets if t.split(".")[0] == "bot")
        for name, targets in GRAPH.items()
        if name.split(".")[0] in BELOW_BOT
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_handlers_never_import_a_chat_sdk():
    sdks = re.compile(r"^\s*(from|import)\s+(slack_bolt|slack_sdk|botbuilder|botframework)\b", re.M)
    for name, path in MODULES.items():
        if name.split(".")[0] in BELOW_BOT:
            assert not sdks.search(path.read_text(encoding="utf-8")), name


def test_sql_lives_only_in_storage():
    offenders = []
    for name, path in MODULES.items():
        if name.split(".")[0] == "storage":
            continue
        source = path.read_text(encoding="utf-8")
        if re.search(r"^\s*import sqlite3|^\s*from sqlite3\b", source, re.M):
            offenders.append(f"{name}: imports sqlite3")
        tree = ast.parse(source)
        docstrings = {
            id(body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and (body := node.body)
            and isinstance(body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and id(node) not in docstrings and SQL.match(text):
                offenders.append(f"{name}:{node.lineno}: {text[:40]!r}")
    assert offenders == []


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other round a cycle (Tarjan's components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)
    return cycles


def test_there_are_no_import_cycles():
    assert find_cycles(GRAPH) == []


def test_the_checks_find_what_they_look_for():
    # Not vacuous: a planted cycle, a planted SQL string and the real graph's edges are seen.
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert SQL.match("  SELECT 1") and not SQL.match("Select a case")
    assert "handlers.access" in GRAPH["handlers.interactions"]
    assert "bot.runtime" in GRAPH["bot.slack.app"]
