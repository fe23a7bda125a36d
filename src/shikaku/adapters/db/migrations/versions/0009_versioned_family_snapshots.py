"""family snapshots with a version and named keys (issue 13)

Earlier releases stored a family as positional lists with no version:
    {"i": [[id, family_id, relationship, symbol, number, branch], …],
     "r": [[seq, member_id, kind, effective_on, registered_on, publish_on, data], …]}
Version 2 has a version and named columns (adapters/db/snapshots.py):
    {"v": 2,
     "members": {"keys": ["id", "family_id", "relationship", "symbol", "number", "branch"], "rows": […]},
     "registrations": {"keys": ["seq", "member_id", "kind", "effective_on", "registered_on",
                                "publish_on", "data"], "rows": […]}}
The registration data (named keys, ISO dates) is the same in both. The transform is written out
here rather than imported, so that this migration keeps meaning what it meant when the
application's encoder changes. Families are re-encoded in batches, by family id.

Revision ID: 0009
Revises: 0008
"""
import orjson
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

BATCH = 2000
_MEMBER_KEYS = ["id", "family_id", "relationship", "symbol", "number", "branch"]
_REGISTRATION_KEYS = ["seq", "member_id", "kind", "effective_on", "registered_on", "publish_on", "data"]
snapshots = sa.table("family_snapshots", sa.column("family_id", sa.BigInteger), sa.column("payload", sa.Text))


def version_2(payload: str) -> str:
    old = orjson.loads(payload)
    if old.get("v") == 2:
        return payload
    return orjson.dumps({"v": 2, "members": {"keys": _MEMBER_KEYS, "rows": old["i"]},
                         "registrations": {"keys": _REGISTRATION_KEYS, "rows": old["r"]}}).decode()


def version_1(payload: str) -> str:
    new = orjson.loads(payload)
    if "v" not in new:
        return payload
    return orjson.dumps({"i": new["members"]["rows"], "r": new["registrations"]["rows"]}).decode()


def _rewrite(transform) -> None:
    conn = op.get_bind()
    last = -1
    while rows := conn.execute(sa.select(snapshots.c.family_id, snapshots.c.payload)
                               .where(snapshots.c.family_id > last)
                               .order_by(snapshots.c.family_id).limit(BATCH)).all():
        conn.execute(snapshots.update().where(snapshots.c.family_id == sa.bindparam("fid"))
                     .values(payload=sa.bindparam("p")),
                     [{"fid": row.family_id, "p": transform(row.payload)} for row in rows])
        last = rows[-1].family_id


def upgrade() -> None:
    _rewrite(version_2)


def downgrade() -> None:
    _rewrite(version_1)
