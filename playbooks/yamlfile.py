"""Read YAML files and report problems by file, path and line."""

from __future__ import annotations

import difflib
import re
import types
import typing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

# libyaml's parser when PyYAML was built with it: the same safe loading, many times faster.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where it is and how to fix it."""

    file: str
    path: str
    line: int | None
    message: str
    loc: tuple = field(default=(), compare=False)  # the key path, to suggest the right key
    kind: str = field(default="", compare=False)  # pydantic's error type, e.g. extra_forbidden

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
    except UnicodeDecodeError:
        msg = "this is not a text file; give the path of the YAML file"
        raise FileProblems([Problem(str(path), "", None, msg)]) from None
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        msg = f"cannot read the file ({reason}); check its path and permissions"
        raise FileProblems([Problem(str(path), "", None, msg)]) from None
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()  # one parse: the lines come from the same nodes
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or "not valid YAML"
        fix = "check the indentation, colons and quotes on this line and the one before"
        raise FileProblems(
            [Problem(str(path), "", line, f"YAML syntax error: {problem}; {fix}")]
        ) from None
    finally:
        loader.dispose()
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
        problems.append(Problem(file, format_path(loc), line, _explain(err), loc, err["type"]))
    return problems


def _is_model_tag(part: Any) -> bool:
    # pydantic adds validator names such as "function-after[...]" to locations
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _nearest_line(loc: tuple, lines: dict[tuple, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _explain(err: Any) -> str:  # one of pydantic's ErrorDetails
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"unknown key '{err['loc'][-1]}'; check its spelling"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error" and isinstance(err.get("input"), str):
        return _not_one_of(err["input"], re.findall(r"'([^']*)'", err["ctx"]["expected"]))
    message = err["msg"]
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _not_one_of(given: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(given, allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"'{given}' is not allowed here: {hint}Use one of: {', '.join(allowed)}"


def suggest_keys(problems: list[Problem], model: type[BaseModel]) -> list[Problem]:
    """Name the key that was probably meant for each unknown key, from the model's fields."""
    return [_with_suggestion(p, model) if p.kind == "extra_forbidden" else p for p in problems]


def _with_suggestion(problem: Problem, model: type[BaseModel]) -> Problem:
    allowed = allowed_keys(model, problem.loc[:-1])
    if not allowed:
        return problem
    typo = str(problem.loc[-1])
    close = difflib.get_close_matches(typo, allowed, n=1)
    if close:
        return replace(problem, message=f"unknown key '{typo}': did you mean '{close[0]}'?")
    return replace(problem, message=f"unknown key '{typo}'; the keys here are {', '.join(allowed)}")


def allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys a model accepts at a path inside it (list indexes and dict keys included)."""
    target: Any = model
    for part in loc:
        target = _inside(target, part)
        if target is None:
            return []
    target = _model_in(target)
    return list(target.model_fields) if target is not None else []


def _inside(annotation: Any, part: Any) -> Any:
    model = _model_in(annotation)
    if model is not None:
        field_info = model.model_fields.get(part) if isinstance(part, str) else None
        return field_info.annotation if field_info is not None else None
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (list, tuple, set, frozenset) and isinstance(part, int) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    if origin in (typing.Union, types.UnionType):
        return next(filter(None, (_inside(a, part) for a in args)), None)
    return None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model an annotation holds: itself, or the model in `Model | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return next(filter(None, map(_model_in, typing.get_args(annotation))), None)
    return None
