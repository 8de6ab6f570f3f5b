"""Options, planned rows and result of a member-list import."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class MembersOptions:
    path: Path
    network_slug: str = ""
    mapping: str = ""
    sheet: str = ""
    dry_run: bool = False


@dataclass
class PlannedRow:
    line: int
    action: str  # "create" | "update"
    name: str
    commune_code: str
    organisation_id: int | None
    values: dict[str, Any]


@dataclass
class MembersResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    memberships: int = 0
    possible_duplicates: int = 0  # rows reported: several organisations of that name and commune
    locked_kept: int = 0  # values not written: a person's correction or decision (in the report)
    network: str = ""
    dry_run: bool = False
    columns: dict[str, str] = field(default_factory=dict)  # field -> file column
    preview: list[tuple[int, str, str, str]] = field(default_factory=list)
