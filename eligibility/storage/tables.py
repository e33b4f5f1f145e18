"""Table definitions. ``profiles`` has one column per stored (verified) field of the catalogue."""

from __future__ import annotations

from typing import Dict

import sqlalchemy as sa

from eligibility.rules.fields import Catalogue, FieldSpec, load_catalogue

COLUMN_TYPES: Dict[str, sa.types.TypeEngine] = {
    "number": sa.Float(),
    "int": sa.BigInteger(),
    "bool": sa.Boolean(create_constraint=False),
    "date": sa.Date(),
    "enum": sa.String(200),
    "list": sa.Text(),
}

metadata = sa.MetaData()


def field_column(spec: FieldSpec) -> sa.Column:
    return sa.Column(spec.name, COLUMN_TYPES[spec.kind], nullable=True)


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(), nullable=nullable)


schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.String(200), nullable=False),
    _ts("applied_at"),
)

profile_base_columns = (
    sa.Column("id", sa.String(18), primary_key=True),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("sources", sa.Text, nullable=False, default="{}"),  # {source: ISO time of the last sync}
    sa.Column("mobile", sa.String(20)),  # the mobile number the data account holds (one-time codes go there)
    _ts("created_at"),
    _ts("updated_at"),
)


def build_profiles_table(catalogue: Catalogue) -> sa.Table:
    cols = [c.copy() for c in profile_base_columns]
    cols += [field_column(spec) for spec in catalogue.stored()]
    return sa.Table("profiles", metadata, *cols, sa.Index("ix_profiles_kind", "kind"))


profiles = build_profiles_table(load_catalogue())

declared_fields = sa.Table(
    "declared_fields", metadata,
    sa.Column("profile_id", sa.String(18), sa.ForeignKey("profiles.id"), primary_key=True),
    sa.Column("field", sa.String(80), primary_key=True),
    sa.Column("value_json", sa.Text, nullable=False),
    sa.Column("conversation_id", sa.String(80)),
    _ts("recorded_at"),
)

applications = sa.Table(
    "applications", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("profile_id", sa.String(18), sa.ForeignKey("profiles.id"), nullable=False, index=True),
    sa.Column("policy_id", sa.String(16), nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("handling", sa.String(12), nullable=False),
    sa.Column("idempotency_key", sa.String(120), unique=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("active_key", sa.String(60), unique=True),  # profile:policy while the application is open
    sa.Column("form_json", sa.Text, nullable=False),
    sa.Column("licences_json", sa.Text, nullable=False),
    sa.Column("rule_trail_json", sa.Text, nullable=False),
    sa.Column("benefit_json", sa.Text, nullable=False),
    sa.Column("ruleset_version", sa.String(20), nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
)

application_events = sa.Table(
    "application_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("application_id", sa.String(40), sa.ForeignKey("applications.id"), nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("actor", sa.String(60), nullable=False),
    sa.Column("note", sa.Text),
    _ts("at"),
)

grant_runs = sa.Table(
    "grant_runs", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    _ts("started_at"),
    _ts("finished_at", nullable=True),
    sa.Column("policies", sa.Integer, nullable=False, default=0),
    sa.Column("grants_created", sa.Integer, nullable=False, default=0),
    sa.Column("notifications_created", sa.Integer, nullable=False, default=0),
)

grants = sa.Table(
    "grants", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("policy_id", sa.String(16), nullable=False),
    sa.Column("profile_id", sa.String(18), sa.ForeignKey("profiles.id"), nullable=False, index=True),
    sa.Column("period", sa.String(10), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("amount_wan", sa.Float),
    sa.Column("run_id", sa.String(40), nullable=False),
    sa.Column("account_masked", sa.String(40)),
    sa.Column("account_hash", sa.String(64)),
    _ts("created_at"),
    _ts("confirmed_at", nullable=True),
    _ts("paid_at", nullable=True),
    sa.UniqueConstraint("policy_id", "profile_id", "period", name="uq_grants_policy_profile_period"),
)

notifications = sa.Table(
    "notifications", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("profile_id", sa.String(18), sa.ForeignKey("profiles.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("grant_id", sa.Integer, sa.ForeignKey("grants.id"), unique=True),
    sa.Column("application_id", sa.String(40)),
    sa.Column("policy_id", sa.String(16)),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    _ts("created_at"),
    _ts("read_at", nullable=True),
)

ratings = sa.Table(
    "ratings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("level", sa.String(10), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("conversation_id", sa.String(80)),
    sa.Column("application_id", sa.String(40)),
    sa.Column("profile_id", sa.String(18)),
    sa.Column("ticket_id", sa.String(40)),
    _ts("created_at"),
)

tickets = sa.Table(
    "tickets", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("status", sa.String(10), nullable=False, index=True),
    sa.Column("due_date", sa.Date),
    sa.Column("rating_id", sa.Integer),
    sa.Column("conversation_id", sa.String(80)),
    sa.Column("application_id", sa.String(40)),
    sa.Column("profile_id", sa.String(18)),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("contact", sa.String(60)),
    sa.Column("transcript_json", sa.Text, nullable=False, default="[]"),
    sa.Column("assignee", sa.String(60)),
    _ts("created_at"),
    _ts("updated_at"),
    # live handoff (转人工 while staffed): the Rasa conversation is paused until an operator hands it back
    sa.Column("channel", sa.String(20)),  # the user's input channel (rest, socketio, wechat)
    sa.Column("live", sa.Boolean(create_constraint=False), nullable=False, default=False),
    _ts("claimed_at", nullable=True),
    _ts("closed_at", nullable=True),
    sa.Index("ix_tickets_kind_status_created", "kind", "status", "created_at"),
)

ticket_events = sa.Table(
    "ticket_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.String(40), sa.ForeignKey("tickets.id"), nullable=False, index=True),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("actor", sa.String(60), nullable=False),
    _ts("at"),
)

# what an operator said to a user in a handoff, and whether it reached the user's channel (stored masked)
handoff_messages = sa.Table(
    "handoff_messages", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.String(40), sa.ForeignKey("tickets.id"), nullable=False, index=True),
    sa.Column("actor", sa.String(60), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    _ts("at"),
)

# questions the assistant could not answer well (knowledge-gap view); text stored masked
question_log = sa.Table(
    "question_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(80), index=True),
    sa.Column("profile_id", sa.String(18), index=True),  # the subject the conversation was bound to then, if any
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),  # low_confidence | not_found | not_understood
    sa.Column("score", sa.Float),
    sa.Column("doc_id", sa.String(40)),  # the document the search offered first, if any
    _ts("at"),
    sa.Index("ix_question_log_at", "at"),
)

subscriptions = sa.Table(
    "subscriptions", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("conversation_id", sa.String(80), nullable=False),
    sa.Column("topic", sa.String(40), nullable=False),  # "all", a category, or a policy id
    sa.Column("topic_kind", sa.String(10), nullable=False),  # all / category / policy
    sa.Column("profile_id", sa.String(18)),
    _ts("created_at"),
    # one subscription per conversation and topic, also under concurrent requests
    sa.UniqueConstraint("conversation_id", "topic", name="uq_subscriptions_conversation_topic"),
)

# 一件事一次办: one guided submission of a bundle's member items, per subject and bundle
bundle_submissions = sa.Table(
    "bundle_submissions", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("profile_id", sa.String(18), sa.ForeignKey("profiles.id"), nullable=False, index=True),
    sa.Column("bundle_id", sa.String(16), nullable=False),
    sa.Column("idempotency_key", sa.String(120), unique=True),
    sa.Column("items_json", sa.Text, nullable=False),  # [{"policy_id", "application_id"}], in bundle order
    _ts("created_at"),
    _ts("updated_at"),
    sa.UniqueConstraint("profile_id", "bundle_id", name="uq_bundle_submissions_profile_bundle"),
)

# ---- identity and trust (eligibility/auth) ----------------------------------------------------------

staff_users = sa.Table(
    "staff_users", metadata,
    sa.Column("username", sa.String(60), primary_key=True),
    sa.Column("display_name", sa.String(60), nullable=False),
    sa.Column("roles", sa.String(100), nullable=False),  # comma-separated: operator, reviewer, admin
    sa.Column("password_hash", sa.String(200), nullable=False),  # argon2id
    sa.Column("active", sa.Boolean(create_constraint=False), nullable=False, default=True),
    _ts("created_at"),
)

bindings = sa.Table(
    "bindings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(80), nullable=False, index=True),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("subject_id", sa.String(18), nullable=False, index=True),
    sa.Column("method", sa.String(10), nullable=False),  # oidc | otp
    sa.Column("idp_subject", sa.String(100)),
    _ts("created_at"),
    _ts("last_seen_at"),
    _ts("revoked_at", nullable=True),
    sa.Column("active_key", sa.String(80), unique=True),  # the conversation id while the binding is active
)

login_sessions = sa.Table(
    "login_sessions", metadata,
    sa.Column("state", sa.String(64), primary_key=True),
    sa.Column("nonce", sa.String(64), nullable=False),
    sa.Column("code_verifier", sa.String(128), nullable=False),
    sa.Column("authorize_url", sa.Text, nullable=False),
    sa.Column("conversation_id", sa.String(80)),
    sa.Column("channel", sa.String(20), nullable=False),
    _ts("created_at"),
    _ts("expires_at"),
    _ts("used_at", nullable=True),
)

otp_challenges = sa.Table(
    "otp_challenges", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(80), nullable=False, index=True),
    sa.Column("subject_id", sa.String(18), nullable=False),
    sa.Column("number_key", sa.String(64), nullable=False, index=True),  # HMAC of the mobile (rate limits)
    sa.Column("code_hash", sa.String(100), nullable=False),  # salt:HMAC of the code (81 chars); a decoy when no mobile
    sa.Column("method", sa.String(10), nullable=False, default="otp"),  # otp (SMS) | oidc (shown after the login)
    sa.Column("idp_subject", sa.String(100)),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    _ts("created_at"),
    _ts("expires_at"),
    _ts("consumed_at", nullable=True),
)

outbox = sa.Table(
    "outbox", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(10), nullable=False),  # sms | chat (recipient: the conversation id)
    sa.Column("recipient", sa.String(80), nullable=False),
    sa.Column("subject_id", sa.String(18), index=True),
    sa.Column("purpose", sa.String(20), nullable=False),  # otp | application | grant | ticket | reminder
    sa.Column("policy_id", sa.String(16)),  # what a chat message is about (the conversation's current policy)
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.String(10), nullable=False, index=True),  # queued | sending | sent | failed
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("error", sa.String(200)),
    sa.Column("dedupe_key", sa.String(160), unique=True),  # one message per reminder event, however often it runs
    _ts("created_at"),
    _ts("sent_at", nullable=True),
    _ts("next_attempt_at", nullable=True),  # a chat message: not before (backoff), or the claim's lease while sending
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _ts("at"),
    sa.Column("actor", sa.String(80), nullable=False),  # staff:NAME, subject:MASKED, service:actions, system
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("target_kind", sa.String(20), nullable=False),
    sa.Column("target_id", sa.String(80)),
    # whose data it concerns, as a keyed hash (HMAC with the token secret): found for export, never readable
    sa.Column("subject_key", sa.String(64), index=True),
    sa.Column("before_json", sa.Text),
    sa.Column("after_json", sa.Text),
    sa.Column("reason", sa.String(400)),
)
