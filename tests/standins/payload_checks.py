"""Validators for outgoing Block Kit payloads, Adaptive Cards and the Teams app manifest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, Literal

import jsonschema
from jsonschema.exceptions import best_match
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

Surface = Literal["message", "modal", "home"]

MAX_BLOCKS: dict[str, int] = {"message": 50, "modal": 100, "home": 100}
ADAPTIVE_CARD_SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
TEXT_TYPES = {"plain_text", "mrkdwn"}


SPECS_DIR = Path(__file__).resolve().parents[1] / "specs"


class SpecMissing(AssertionError):
    """A spec file the checks need is not in tests/specs: fail now, never answer 500."""


def specs_dir() -> Path:
    """The upstream spec files the repository carries (see tests/specs/SOURCES.md)."""
    return SPECS_DIR


@cache
def load_spec(name: str) -> dict[str, Any]:
    path = specs_dir() / name
    if not path.is_file():
        raise SpecMissing(f"{path} is missing: the repository carries it (tests/specs/SOURCES.md)")
    return json.loads(path.read_text(encoding="utf-8"))


def load_all_specs() -> None:
    """Load every spec up front, so a stand-in that lacks one fails its test at once."""
    _adaptive_card_validator()
    _teams_manifest_validator()


@cache
def _adaptive_card_validator() -> jsonschema.Draft6Validator:
    return jsonschema.Draft6Validator(load_spec("adaptive-card-1.5.schema.json"))


@cache
def _teams_manifest_validator() -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(load_spec("teams-manifest-1.17.schema.json"))


@cache
def _known_block_types() -> frozenset[str]:
    found: set[str] = set()
    pending = list(Block.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if isinstance(getattr(cls, "type", None), str):
            found.add(cls.type)
    return frozenset(found)


def _fail(where: str, problem: str) -> None:
    raise AssertionError(f"{where}: {problem}")


def _walk(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")


def _dropped_keys(sent: Any, kept: Any, path: str) -> list[str]:
    # Slack rejects keys it does not know; slack_sdk's models silently drop them, which reveals them
    if isinstance(sent, dict) and isinstance(kept, dict):
        missing = [f"{path}.{k}" for k in sent if k not in kept]
        for key in sent.keys() & kept.keys():
            missing += _dropped_keys(sent[key], kept[key], f"{path}.{key}")
        return missing
    if isinstance(sent, list) and isinstance(kept, list) and len(sent) == len(kept):
        return [
            m
            for i, (a, b) in enumerate(zip(sent, kept, strict=True))
            for m in _dropped_keys(a, b, f"{path}[{i}]")
        ]
    return []


def _text_of(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else str(obj)


def _check_limit(where: str, label: str, value: Any, limit: int) -> None:
    if value is not None and len(value) > limit:
        _fail(where, f"{label} is {len(value)} long, limit {limit}")


def _check_text_objects(block: dict[str, Any], where: str) -> None:
    for path, node in _walk(block, where):
        if node.get("type") not in TEXT_TYPES or "text" not in node:
            continue
        if not isinstance(node["text"], str) or not node["text"].strip():
            _fail(path, f"{node['type']} text must be a non-empty string")
        if node["type"] == "mrkdwn" and "emoji" in node:
            _fail(path, "emoji is only allowed on plain_text")
        if node["type"] == "plain_text" and not isinstance(node.get("emoji", True), bool):
            _fail(path, "emoji must be a boolean")


def _check_elements(block: dict[str, Any], where: str) -> None:
    action_ids: set[str] = set()
    for path, node in _walk(block, where):
        action_id = node.get("action_id")
        if action_id is not None:
            _check_limit(path, "action_id", action_id, 255)
            if action_id in action_ids:
                _fail(path, f"action_id {action_id!r} repeats within the block")
            action_ids.add(action_id)
        if node.get("type") == "button":
            text = node.get("text")
            if not isinstance(text, dict) or text.get("type") != "plain_text":
                _fail(path, "button text must be a plain_text object")
            _check_limit(path, "button text", _text_of(text), 75)
            _check_limit(path, "button value", node.get("value"), 2000)
            _check_limit(path, "button url", node.get("url"), 3000)


def _check_block_limits(block: dict[str, Any], where: str) -> None:
    kind = block["type"]
    if kind == "section":
        _check_limit(where, "section text", _text_of(block.get("text") or {}), 3000)
        fields = block.get("fields") or []
        _check_limit(where, "section fields", fields, 10)
        for i, field in enumerate(fields):
            _check_limit(f"{where}.fields[{i}]", "section field text", _text_of(field), 2000)
    elif kind == "header":
        text = block.get("text")
        if not isinstance(text, dict) or text.get("type") != "plain_text":
            _fail(where, "header text must be a plain_text object")
        _check_limit(where, "header text", _text_of(text), 150)
    elif kind == "context":
        _check_limit(where, "context elements", block.get("elements") or [], 10)
    elif kind == "actions":
        _check_limit(where, "actions elements", block.get("elements") or [], 25)


def _check_with_sdk(block: dict[str, Any], where: str) -> None:
    try:
        parsed = Block.parse(block)
        if parsed is None:
            _fail(where, "slack_sdk could not parse the block")
        parsed.validate_json()
        kept = parsed.to_dict()
    except SlackObjectFormationError as e:
        raise AssertionError(f"{where}: {e}") from None
    except (TypeError, ValueError, KeyError, AttributeError) as e:
        raise AssertionError(f"{where}: malformed block ({type(e).__name__}: {e})") from None
    dropped = _dropped_keys(block, kept, where)
    if dropped:
        _fail(where, f"unknown keys {', '.join(dropped)}")


def check_blocks(blocks: list[dict[str, Any]], surface: Surface) -> None:
    """Raise AssertionError unless Slack would accept these blocks on the given surface."""
    if surface not in MAX_BLOCKS:
        raise ValueError(f"unknown surface {surface!r}")
    if not isinstance(blocks, list):
        _fail("blocks", f"must be a list, got {type(blocks).__name__}")
    if len(blocks) > MAX_BLOCKS[surface]:
        _fail("blocks", f"{len(blocks)} blocks, a {surface} allows {MAX_BLOCKS[surface]}")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"blocks[{i}]"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            _fail(where, "each block must be an object with a string type")
        where = f"blocks[{i}] ({block['type']})"
        # checked before parsing so slack_sdk never logs the unknown block's content
        if block["type"] not in _known_block_types():
            _fail(where, "unknown block type")
        block_id = block.get("block_id")
        if block_id is not None:
            _check_limit(where, "block_id", block_id, 255)
            if block_id in block_ids:
                _fail(where, f"block_id {block_id!r} is not unique")
            block_ids.add(block_id)
        _check_text_objects(block, where)
        _check_elements(block, where)
        _check_block_limits(block, where)
        _check_with_sdk(block, where)


def _check_plain_text(view: dict[str, Any], key: str, required: bool) -> None:
    value = view.get(key)
    if value is None:
        if required:
            _fail("view", f"{key} is required")
        return
    if not isinstance(value, dict) or value.get("type") != "plain_text":
        _fail(f"view.{key}", "must be a plain_text object")
    text = _text_of(value)
    if not text.strip():
        _fail(f"view.{key}", "must not be empty")
    _check_limit(f"view.{key}", key, text, 24)


def check_view(view: dict[str, Any]) -> None:
    """Raise AssertionError unless Slack would accept this modal or Home tab view."""
    if not isinstance(view, dict):
        _fail("view", f"must be an object, got {type(view).__name__}")
    kind = view.get("type")
    if kind not in ("modal", "home"):
        _fail("view.type", f"must be modal or home, got {kind!r}")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        _fail("view.blocks", "is required and must be a list")
    if kind == "modal":
        _check_plain_text(view, "title", required=True)
        _check_plain_text(view, "submit", required=False)
        _check_plain_text(view, "close", required=False)
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if "submit" not in view and has_input:
            _fail("view", "a modal with input blocks needs a submit button")
    elif "submit" in view or "close" in view:
        _fail("view", "a home tab cannot have submit or close")
    _check_limit("view", "callback_id", view.get("callback_id"), 255)
    _check_limit("view", "external_id", view.get("external_id"), 255)
    _check_limit("view", "private_metadata", view.get("private_metadata"), 3000)
    check_blocks(blocks, surface=kind)
    try:
        parsed = View(**view)
        parsed.validate_json()
        parsed.to_dict()
    except SlackObjectFormationError as e:
        raise AssertionError(f"view: {e}") from None
    except (TypeError, ValueError) as e:
        raise AssertionError(f"view: malformed ({type(e).__name__}: {e})") from None
    extra = [k for k in view if k not in parsed.attributes]
    if extra:
        _fail("view", f"unknown keys {', '.join(extra)}")


def _is_type_mismatch(error: jsonschema.ValidationError) -> bool:
    return error.validator == "enum" and list(error.relative_path) == ["type"]


def _explain(error: jsonschema.ValidationError) -> tuple[jsonschema.ValidationError, str]:
    # anyOf over element types: follow the one branch whose "type" matched, for a useful message
    while error.context:
        branches: dict[Any, list[jsonschema.ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.schema_path[0], []).append(sub)
        fitting = [errs for errs in branches.values() if not any(map(_is_type_mismatch, errs))]
        if len(fitting) != 1:
            kind = error.instance.get("type") if isinstance(error.instance, dict) else None
            return (
                error,
                f"type {kind!r} fits none of the allowed shapes" if kind else error.message,
            )
        error = best_match(fitting[0]) or error
    return error, error.message


def _first_schema_error(validator: jsonschema.protocols.Validator, doc: Any, label: str) -> None:
    error = best_match(validator.iter_errors(doc))
    if error is not None:
        error, message = _explain(error)
        path = "/".join(str(p) for p in error.absolute_path) or "(root)"
        message = message if len(message) <= 300 else message[:300] + "..."
        raise AssertionError(f"{label} invalid at {path}: {message}")


def check_adaptive_card(card: dict[str, Any]) -> None:
    """Raise AssertionError unless the card is a valid Adaptive Card 1.5, as Teams renders."""
    if not isinstance(card, dict):
        _fail("adaptive card", f"must be an object, got {type(card).__name__}")
    if card.get("type") != "AdaptiveCard":
        _fail("adaptive card", f"type must be 'AdaptiveCard', got {card.get('type')!r}")
    if card.get("version") != "1.5":
        _fail("adaptive card", f"version must be '1.5', got {card.get('version')!r}")
    if card.get("$schema") != ADAPTIVE_CARD_SCHEMA_URL:
        _fail("adaptive card", f"$schema must be {ADAPTIVE_CARD_SCHEMA_URL!r}")
    _first_schema_error(_adaptive_card_validator(), card, "adaptive card")


def check_teams_manifest(manifest: dict[str, Any]) -> None:
    """Raise AssertionError unless the manifest is valid against the Teams 1.17 schema."""
    # the schema is draft-04, whose validator ignores its "const" on manifestVersion
    if manifest.get("manifestVersion") != "1.17":
        _fail("teams manifest", "manifestVersion must be '1.17'")
    _first_schema_error(_teams_manifest_validator(), manifest, "teams manifest")
