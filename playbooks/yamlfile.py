"""Read YAML files and report problems by file, path and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where it is and how to fix it."""

    file: str
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        at = f" at {self.path}" if self.path else ""
        return f"{where}{at}: {self.message}"


class FileProblems(Exception):
    """Raised with every problem found in one or more files, so all are shown at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_yaml(path: Path) -> tuple[Any, dict[tuple, int]]:
    """Parse a YAML file; return the data and a map from key path to line number."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileProblems([Problem(str(path), "", None, "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"cannot read file ({type(exc).__name__})"
        raise FileProblems([Problem(str(path), "", None, msg)]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise FileProblems(
            [Problem(str(path), "", line, f"YAML syntax error: {problem}")]
        ) from None
    lines: dict[tuple, int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return data, lines


def _index_lines(node: yaml.Node, path: tuple, lines: dict[tuple, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            lines[child] = key.start_mark.line + 1
            _index_lines(value, child, lines)
            lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, (*path, index), lines)


def format_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def problems_from_validation(
    file: str, error: ValidationError, lines: dict[tuple, int], prefix: tuple = ()
) -> list[Problem]:
    """Turn a pydantic error into located problems, one per failing field."""
    problems = []
    for err in error.errors(include_url=False):
        loc = tuple(p for p in (*prefix, *err["loc"]) if not _is_model_tag(p))
        line = _nearest_line(loc, lines)
        problems.append(Problem(file, format_path(loc), line, _explain(err)))
    return problems


def _is_model_tag(part: Any) -> bool:
    # pydantic adds validator names such as "function-after[...]" to locations
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _nearest_line(loc: tuple, lines: dict[tuple, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _explain(err: dict) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see `patronguard init` for the keys)"
    if kind == "missing":
        return "required key is missing"
    message = err["msg"]
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
