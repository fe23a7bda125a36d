"""hash-chained, append-only audit log

Revision ID: 0006
Revises: 0005

Needs the vault keys (the chain is keyed): `shikaku init` hands them over; run it rather than
the alembic command line.
"""
import sqlalchemy as sa
from alembic import op

from shikaku.adapters.db import audit_chain
from shikaku.domain.audit_chain import GENESIS, Head
from shikaku.domain.errors import DomainError

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    keys = op.get_context().config.attributes.get("vault")
    if keys is None:
        raise RuntimeError("migration 0006 needs the vault key: run `shikaku init`")
    conn = op.get_bind()
    check = conn.execute(sa.text("SELECT key_check FROM society")).scalar()
    if check is not None and not keys.accepts(check):
        raise DomainError("wrong_key", "暗号鍵がこのデータベースのものではありません", status=409)
    with op.batch_alter_table('audit_log') as batch:
        batch.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))
    head_table = op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('row_hash', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=8), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head')))
    head = audit_chain.chain_existing(conn, keys, Head(0, GENESIS, keys.key_id))
    op.bulk_insert(head_table, [{"id": audit_chain.HEAD_ID, "seq": head.seq, "row_hash": head.row_hash,
                                 "key_id": head.key_id}])
    with op.batch_alter_table('audit_log') as batch:
        for name in ('seq', 'prev_hash', 'row_hash'):
            batch.alter_column(name, nullable=False)
        batch.create_unique_constraint(op.f('uq_audit_log_seq'), ['seq'])
    audit_chain.install_guard(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_constraint(op.f('uq_audit_log_seq'), type_='unique')
        batch.drop_column('row_hash')
        batch.drop_column('prev_hash')
        batch.drop_column('seq')
