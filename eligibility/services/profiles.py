"""Profile look-ups with the identifier checks and the Chinese messages the API returns."""

from __future__ import annotations

from typing import Any, Dict, Mapping

from sqlalchemy.engine import Connection

from eligibility.errors import AppError, invalid, not_found
from eligibility.profiles.ids import (
    citizen_problem,
    kind_of,
    mask_citizen_id,
    normalise,
    uscc_problem,
)
from eligibility.profiles.store import Profile, coerce_fields, field_view, load_profile
from eligibility.rules.fields import Catalogue
from privacy.masking import mask_name


def checked_id(raw: str) -> str:
    """A normalised profile id, or a 422 saying exactly what is wrong with it."""
    pid = normalise(raw)
    if citizen_problem(pid) is None or uscc_problem(pid) is None:
        return pid
    looks_citizen = len(pid) == 18 and pid[:17].isdigit() and pid[6:8] in ("19", "20")
    problem = citizen_problem(pid) if looks_citizen else uscc_problem(pid)
    assert problem is not None
    raise AppError(422, problem.code, problem.message, problem.detail)


def display_id(profile_id: str) -> str:
    return mask_citizen_id(profile_id) if kind_of(profile_id) == "citizen" else profile_id


def get_profile(conn: Connection, raw_id: str, catalogue: Catalogue) -> Profile:
    pid = checked_id(raw_id)
    profile = load_profile(conn, pid, catalogue)
    if profile is None:
        raise not_found("该主体的数据账户", display_id(pid), "profile_not_found")
    return profile


def profile_view(profile: Profile, catalogue: Catalogue, as_of: Any = None) -> Dict[str, Any]:
    citizen = profile.kind == "citizen"
    return {
        "id": display_id(profile.id),
        "kind": profile.kind,
        "name": mask_name(profile.name) if citizen else profile.name,
        "fields": field_view(profile, catalogue, as_of),
        "sources": profile.sources,
        "masked": citizen,
    }


def checked_fields(raw: Mapping[str, Any], catalogue: Catalogue) -> Dict[str, Any]:
    values, problems = coerce_fields(raw, catalogue)
    if problems:
        raise invalid("invalid_fields", "以下信息的格式不正确：" + "；".join(p["message"] for p in problems),
                      "; ".join(f"{p['field']}: {p['detail']}" for p in problems), problems)
    return values
