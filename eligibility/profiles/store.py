"""Reading and writing profiles: verified fields in ``profiles`` columns, declared fields beside them."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from eligibility.rules.fields import SOURCE_LABELS, Catalogue, FieldSpec
from eligibility.rules.sqlcompile import list_to_text, text_to_list
from eligibility.rules.values import ValueTypeError, coerce, to_json
from eligibility.storage import tables as t
from knowledge.dates import parse_date

BASE_COLUMNS = {c.name for c in t.profile_base_columns}


@dataclass
class Profile:
    id: str
    kind: str
    name: str
    verified: Dict[str, Any]
    sources: Dict[str, str]
    declared: Dict[str, Tuple[Any, dt.datetime]] = field(default_factory=dict)
    updated_at: Optional[dt.datetime] = None

    def values(self, as_of: Optional[dt.date] = None) -> Dict[str, Any]:
        """Verified values, then declared ones where nothing is verified, then derived fields."""
        merged = {k: v for k, (v, _) in self.declared.items()}
        merged.update(self.verified)
        return derive(merged, as_of)

    def provenance(self, name: str, catalogue: Catalogue) -> Optional[Dict[str, Any]]:
        if name in self.verified:
            spec = catalogue.get(name)
            source = spec.source if spec else None
            return {"provenance": "verified", "source": SOURCE_LABELS.get(source or "", source),
                    "recorded_at": self.sources.get(source or "")}
        if name in self.declared:
            return {"provenance": "declared", "source": "用户在对话中申报",
                    "recorded_at": self.declared[name][1].isoformat(timespec="seconds")}
        return None


def derive(values: Dict[str, Any], as_of: Optional[dt.date] = None) -> Dict[str, Any]:
    """Helper fields defined in profile_fields.md, filled only where missing."""
    day = as_of or dt.date.today()
    est = values.get("establishment_date")
    if values.get("years_since_establishment") is None and isinstance(est, dt.date):
        values["years_since_establishment"] = round((day - est).days / 365.25, 2)
    out, rev = values.get("output_value_wan"), values.get("annual_revenue_wan")
    if values.get("output_or_revenue_wan") is None and (out is not None or rev is not None):
        values["output_or_revenue_wan"] = max(v for v in (out, rev) if v is not None)
    return values


def to_row(values: Mapping[str, Any], catalogue: Catalogue) -> Dict[str, Any]:
    """Column values for the stored fields among ``values`` (already canonical)."""
    row: Dict[str, Any] = {}
    for name, value in values.items():
        spec = catalogue.fields.get(name)
        if spec is None or not spec.stored or value is None:
            continue
        row[name] = list_to_text(value) if spec.kind == "list" else value
    return row


def from_row(row: Mapping[str, Any], catalogue: Catalogue) -> Dict[str, Any]:
    values: Dict[str, Any] = {}
    for name, raw in row.items():
        if name in BASE_COLUMNS or raw is None:
            continue
        spec = catalogue.fields.get(name)
        if spec is None:
            continue
        if spec.kind == "list":
            values[name] = text_to_list(raw)
        elif spec.kind == "bool":
            values[name] = bool(raw)
        elif spec.kind == "number":
            values[name] = float(raw)
        elif spec.kind == "int":
            values[name] = int(raw)
        elif spec.kind == "date" and isinstance(raw, str):
            day = parse_date(raw)
            if day is None:
                raise ValueError(f"{name}: not a date in the data account: {raw[:40]!r}")
            values[name] = day
        else:
            values[name] = raw
    return values


def load_profile(conn: Connection, profile_id: str, catalogue: Catalogue) -> Optional[Profile]:
    row = conn.execute(sa.select(t.profiles).where(t.profiles.c.id == profile_id)).mappings().first()
    if row is None:
        return None
    declared = {}
    for d in conn.execute(sa.select(t.declared_fields).where(t.declared_fields.c.profile_id == profile_id)):
        spec = catalogue.get(d.field)
        try:
            value = coerce(spec.kind, json.loads(d.value_json)) if spec else json.loads(d.value_json)
        except ValueTypeError:
            continue  # a declared value that no longer fits a changed field type is dropped, not fatal
        declared[d.field] = (value, d.recorded_at)
    return Profile(
        id=row["id"], kind=row["kind"], name=row["name"], verified=from_row(row, catalogue),
        sources=json.loads(row["sources"] or "{}"), declared=declared, updated_at=row["updated_at"],
    )


def coerce_fields(raw: Mapping[str, Any], catalogue: Catalogue) -> Tuple[Dict[str, Any], List[Dict[str, str]]]:
    """Canonical values for user-supplied fields, and a Chinese reason for each one that does not fit."""
    values: Dict[str, Any] = {}
    problems: List[Dict[str, str]] = []
    for name, value in raw.items():
        spec: Optional[FieldSpec] = catalogue.get(name)
        if spec is None:
            problems.append({"field": name, "message": f"未知字段“{name}”", "detail": "unknown field"})
            continue
        try:
            values[name] = coerce(spec.kind, value)
        except ValueTypeError as exc:
            problems.append({"field": name, "message": f"{spec.label}：{exc.reason}", "detail": exc.detail})
    return values, problems


def declare(conn: Connection, profile: Profile, values: Mapping[str, Any], catalogue: Catalogue,
            conversation_id: Optional[str], now: dt.datetime) -> Tuple[List[str], List[Dict[str, str]]]:
    """Store declared values; a field already verified from shared data is left as it is."""
    accepted, ignored = [], []
    for name, value in values.items():
        if name in profile.verified:
            ignored.append({"field": name, "message": "该项信息已由共享数据核验，无需在对话中申报；如有误请联系主管部门更正。",
                            "detail": "field is verified from shared data"})
            continue
        spec = catalogue.get(name)
        kind = spec.kind if spec else "enum"
        table = t.declared_fields
        conn.execute(table.delete().where(sa.and_(table.c.profile_id == profile.id, table.c.field == name)))
        if value is not None:
            conn.execute(table.insert().values(
                profile_id=profile.id, field=name, value_json=json.dumps(to_json(kind, value), ensure_ascii=False),
                conversation_id=conversation_id, recorded_at=now))
            profile.declared[name] = (value, now)
        else:
            profile.declared.pop(name, None)
        accepted.append(name)
    conn.execute(t.profiles.update().where(t.profiles.c.id == profile.id).values(updated_at=now))
    return accepted, ignored


def insert_profiles(conn: Connection, rows: Iterable[Dict[str, Any]], catalogue: Catalogue) -> int:
    """Insert generated profiles ({id, kind, name, sources, values}) in batches; returns the count."""
    from eligibility.profiles.generator import demo_mobile
    from eligibility.storage.bulk import bulk_insert

    now = dt.datetime.utcnow()

    def flat() -> Iterable[Dict[str, Any]]:
        for r in rows:
            out = {"id": r["id"], "kind": r["kind"], "name": r["name"], "sources": json.dumps(r["sources"]),
                   "mobile": r.get("mobile") or demo_mobile(r["id"]), "created_at": now, "updated_at": now}
            out.update(to_row(r["values"], catalogue))
            yield out

    return bulk_insert(conn, t.profiles, flat())


def field_view(profile: Profile, catalogue: Catalogue, as_of: Optional[dt.date] = None) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for name, value in sorted(profile.values(as_of).items()):
        spec = catalogue.get(name)
        kind = spec.kind if spec else "enum"
        prov = profile.provenance(name, catalogue) or {"provenance": "derived", "source": "由其他字段推算",
                                                       "recorded_at": None}
        out[name] = {"value": to_json(kind, value), "label": spec.label if spec else name,
                     "unit": spec.unit if spec else None, **prov}  # "研发费用：610万元", not "610"
    return out
