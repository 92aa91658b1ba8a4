"""The retention-review checklist: its schema, and which items an active hold covers."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from playbooks.yamlfile import FileProblems, load_yaml, problems_from_validation

BUILTIN_REVIEW = Path(__file__).with_name("retention-review.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReviewItem(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    title: str = Field(min_length=1, max_length=150)
    detail: str = Field(default="", max_length=500)
    covers: list[str] = []  # record categories, as in the main playbook


class ReviewPlaybook(_Strict):
    title: str
    intro: str = ""
    items: list[ReviewItem] = Field(min_length=1)


def load_review(path: Path | None = None) -> ReviewPlaybook:
    """The built-in checklist, or a library's own file in its place."""
    path = path or BUILTIN_REVIEW
    data, lines = load_yaml(path)
    try:
        return ReviewPlaybook.model_validate(data)
    except ValidationError as exc:
        raise FileProblems(problems_from_validation(str(path), exc, lines)) from None


def items_on_hold(review: ReviewPlaybook, held_categories: set[str]) -> set[str]:
    """Ids of items whose records an active legal hold covers."""
    return {item.id for item in review.items if held_categories & set(item.covers)}
