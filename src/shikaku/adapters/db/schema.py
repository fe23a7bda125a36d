"""The database schema (SQLAlchemy Core tables); Alembic migrations create and evolve it."""
from __future__ import annotations

from sqlalchemy import (
                        JSON,
                        BigInteger,
                        Boolean,
                        Column,
                        Date,
                        DateTime,
                        ForeignKey,
                        Index,
                        Integer,
                        LargeBinary,
                        MetaData,
                        String,
                        Table,
                        Text,
                        UniqueConstraint,
                        false,
                        func,
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

# BIGINT on PostgreSQL, INTEGER (the rowid alias, autoincrementing) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")

society = Table(
    "society", metadata,
    Column("id", Integer, primary_key=True),
    Column("insurer_number", String(8), nullable=False),
    Column("name", String(100), nullable=False),
    Column("key_check", String(64), nullable=False),  # proves the vault key belongs to this database
)

symbols = Table(
    "symbols", metadata,  # 記号: the employer's code; numbers are handed out per symbol
    Column("symbol", String(8), primary_key=True),
    Column("last_number", Integer, nullable=False),
)

members = Table(
    "members", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("family_id", Id, nullable=False, index=True),  # the insured's id
    Column("relationship", String(10), nullable=False),
    Column("symbol", String(8), nullable=False),
    Column("number", String(8), nullable=False),
    Column("branch", String(2), nullable=False),
    Column("last_branch", Integer, nullable=False, default=0),  # insured only: 枝番 handed out
    # Search projection of the latest registered values (the history is in `registrations`).
    Column("name", String(100), nullable=False),
    Column("name_kana", String(100), nullable=False, index=True),
    Column("birth_date", Date, nullable=False),
    Column("qualified_on", Date, nullable=False),
    # 個人番号 vault: AES-GCM ciphertext and keyed hash (HMAC) for look-ups.
    Column("my_number_cipher", LargeBinary, nullable=True),
    Column("my_number_hash", String(64), nullable=True, index=True),
    Column("my_number_last4", String(4), nullable=True),  # for the masked display only
    UniqueConstraint("symbol", "number", "branch"),
)
# The フリガナ without spaces with the 生年月日: how possible duplicates are looked up (D-165).
Index("ix_members_kana_key", func.replace(members.c.name_kana, " ", ""), members.c.birth_date)

registrations = Table(
    "registrations", metadata,
    Column("seq", Id, primary_key=True, autoincrement=True),
    Column("family_id", Id, nullable=False, index=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("publish_on", Date, nullable=False, index=True),
    Column("data", JSON, nullable=False),
)

family_snapshots = Table(
    "family_snapshots", metadata,  # the published view's read model: a family's whole history
    Column("family_id", Id, primary_key=True),
    Column("payload", Text, nullable=False),  # JSON: identities and registrations
)

access_log = Table(
    "access_log", metadata,  # every online verification (照会履歴), append-only
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("facility_code", String(10), nullable=False),
    Column("method", String(12), nullable=False),
    Column("identity_check", String(8), nullable=True),
    Column("service_date", Date, nullable=False),
    Column("validity_code", String(1), nullable=False),
    Column("member_id", Id, nullable=True, index=True),
    Column("channel", String(12), nullable=True),  # JSON, FHIR, OQS …; None before issue 15
)

legacy_cards = Table(
    "legacy_cards", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("issued_on", Date, nullable=False),
    Column("expires_on", Date, nullable=True),
    Column("valid_until", Date, nullable=False),
)

myna_cards = Table(
    "myna_cards", metadata,  # national side: マイナンバーカード and 健康保険証利用登録
    Column("card_id", String(32), primary_key=True),
    Column("my_number_hash", String(64), nullable=False, index=True),
    Column("certificate_expires_on", Date, nullable=False),
    Column("insurance_registered_on", Date, nullable=True),
    Column("insurance_cancelled_on", Date, nullable=True),
    # 利用者証明用電子証明書の暗証番号 (4 digits, argon2) for the member portal; locked after 3 misses.
    Column("pin_hash", String(128), nullable=True),
    Column("pin_failures", Integer, nullable=False, server_default="0"),
)

serials = Table(
    "serials", metadata,  # 交付番号: one counter per document kind; numbers are never reused
    Column("kind", String(20), primary_key=True),
    Column("last", Integer, nullable=False),
)

certificate_runs = Table(
    "certificate_runs", metadata,  # 職権交付・更新の一括処理
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(12), nullable=False),  # "ex_officio" | "renewal"
    Column("run_on", Date, nullable=False),
    Column("cohort", String(20), nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("status", String(12), nullable=False),  # "running" | "completed"
    Column("issued", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
    Column("last_member_id", Id, nullable=False, default=0),  # checkpoint: resume after it
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
)

def _cancellation_columns() -> list[Column]:
    """取消 of a document issued in error: when, why, by whom (its serial is never reused)."""
    return [Column("cancelled_on", Date, nullable=True), Column("cancel_reason", String(200), nullable=True),
            Column("cancelled_by", String(100), nullable=True)]


eligibility_certificates = Table(
    "eligibility_certificates", metadata,  # 資格確認書
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("serial", String(12), nullable=False, unique=True),
    Column("reason", String(30), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("expires_on", Date, nullable=False),
    Column("superseded_on", Date, nullable=True),
    Column("override_note", String(500), nullable=True),
    Column("run_id", Id, ForeignKey("certificate_runs.id"), nullable=True, index=True),
    Column("returned_on", Date, nullable=True),  # 返納: the card came back
    *_cancellation_columns(),
    UniqueConstraint("run_id", "member_id"),  # a run issues at most one card per member
)

documents = Table(
    "documents", metadata,  # お知らせ・認定証・受給者証・受療証 issued on paper (or recorded online only)
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("serial", String(12), nullable=True, unique=True),  # None: recorded, no paper
    Column("issued_on", Date, nullable=False),
    Column("valid_from", Date, nullable=True),
    Column("valid_until", Date, nullable=True),
    Column("detail", JSON, nullable=False),
    *_cancellation_columns(),
)

employers = Table(
    "employers", metadata,  # 事業所: each 記号 is one employer
    Column("symbol", String(8), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("postcode", String(8), nullable=True),
    Column("address", String(200), nullable=True),
    Column("phone", String(20), nullable=True),
    Column("applied_on", Date, nullable=False),  # 適用年月日
    Column("withdrawn_on", Date, nullable=True),  # 脱退日 (全喪)
    Column("mail_via", Boolean, nullable=False, server_default=false()),  # documents go through it
)

member_addresses = Table(
    "member_addresses", metadata,  # 住所 and 送付先: never sent to a facility, never logged
    Column("member_id", Id, ForeignKey("members.id"), primary_key=True),
    Column("postcode", String(8), nullable=True, index=True),
    Column("address", String(200), nullable=False),
    Column("mail_to", String(10), nullable=False, server_default="home"),  # home | employer
    Column("updated_on", Date, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys", metadata,  # one-time form tokens and API Idempotency-Key answers
    Column("key_hash", String(64), primary_key=True),
    Column("subject", String(100), nullable=False),
    Column("route", String(200), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("response", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)

facilities = Table(
    "facilities", metadata,  # 医療機関等
    Column("code", String(10), primary_key=True),
    Column("name", String(200), nullable=False),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("subject", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

users = Table(
    "users", metadata,  # staff who sign in to the web UI (職員)
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(128), nullable=False),  # argon2id
    Column("failed_attempts", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True), nullable=True),
)

web_sessions = Table(
    "web_sessions", metadata,  # signed-in browsers (staff and members); only token hashes stored
    Column("token_hash", String(64), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("subject", String(100), nullable=False),  # username or card id
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

sign_in_misses = Table(
    "sign_in_misses", metadata,  # failed sign-ins under a name or card id that signs in nobody (D-94)
    Column("name_hash", String(64), primary_key=True),  # keyed hash of the side and the typed value
    Column("failures", Integer, nullable=False, server_default="0"),  # as users.failed_attempts / pin_failures
    Column("locked_until", DateTime(timezone=True), nullable=True),  # as users.locked_until
    Column("last_failed_at", DateTime(timezone=True), nullable=False),
)
Index("ix_sign_in_misses_locked_until", sign_in_misses.c.locked_until)

audit_log = Table(
    "audit_log", metadata,  # append-only: no code path updates or deletes a row; triggers refuse it
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("action", String(60), nullable=False),
    Column("target", String(100), nullable=True),
    Column("remote", String(64), nullable=True),
    Column("detail", JSON, nullable=False),
    # hash chain (domain/audit_chain.py): place in the chain, previous row's hash, keyed hash
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("prev_hash", String(64), nullable=False),
    Column("row_hash", String(64), nullable=False),
)
Index("ix_audit_log_target", audit_log.c.target)

audit_head = Table(
    "audit_head", metadata,  # the chain's last link (one row); appends lock it and take turns
    Column("id", Integer, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("row_hash", String(64), nullable=False),
    Column("key_id", String(8), nullable=False),  # the vault key whose audit key hashes new rows
)

import_files = Table(
    "import_files", metadata,  # 届出ファイルの取込: one row per stored file; the same content twice is refused
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("content_hash", String(64), nullable=False, unique=True),  # SHA-256 of the file's bytes
    Column("filename", String(255), nullable=False),
    Column("encoding", String(16), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("counts", JSON, nullable=False),  # rows per 届出種別
    Column("first_seq", Id, nullable=True),  # the registrations it wrote: seq first … last
    Column("last_seq", Id, nullable=True),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(100), nullable=False),
)

guessing_flags = Table(
    "guessing_flags", metadata,  # DOMAIN.md §10: a facility trying many birth dates for one 記号・番号
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("facility_code", String(10), nullable=False),
    Column("symbol", String(16), nullable=False),
    Column("number", String(16), nullable=False),
    Column("birth_dates", Integer, nullable=False),  # different birth dates tried when flagged
    Column("flagged_at", DateTime(timezone=True), nullable=False),
    Column("released_at", DateTime(timezone=True), nullable=True),  # lifted by a supervisor
    Column("released_by", String(100), nullable=True),
)
Index("ix_guessing_flags_flagged_at", guessing_flags.c.flagged_at)

oqs_bulks = Table(
    "oqs_bulks", metadata,  # 一括照会 (OQS.md §1.2): accepted whole, answered in the background, kept 7 days
    Column("reception_number", String(32), primary_key=True),  # 受付番号: random, unguessable
    Column("facility_code", String(10), nullable=False),  # the owner: no other facility knows it
    Column("header", JSON, nullable=False),  # the request's MessageHeader, echoed in the answer
    Column("service_date", Date, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, index=True),
    Column("items", Integer, nullable=False),
    Column("status", String(12), nullable=False, index=True),  # pending | answering | done
    Column("claimed_by", String(64), nullable=True),  # the worker answering it
    Column("claimed_at", DateTime(timezone=True), nullable=True),  # its last progress (a lease)
    Column("answered_at", DateTime(timezone=True), nullable=True),
)

oqs_bulk_chunks = Table(
    "oqs_bulk_chunks", metadata,  # a bulk's items in the order sent, a chunk a row, and their answers
    Column("reception_number", String(32), ForeignKey("oqs_bulks.reception_number"), primary_key=True),
    Column("chunk", Integer, primary_key=True),  # from 0; item positions follow on across chunks
    Column("searches", Text, nullable=False),  # JSON list: the QualificationConfirmSearchInfo trees
    Column("units", Text, nullable=True),  # JSON list: their answers (BulkConfirmUnit without echo, number)
)
