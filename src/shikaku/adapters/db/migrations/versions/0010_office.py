"""the office (issue 14): 事業所, 住所・送付先, one-time submissions, certificate returns and
cancellations

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_CANCELLABLE = ('eligibility_certificates', 'documents')


def upgrade() -> None:
    op.create_table('employers',
    sa.Column('symbol', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('postcode', sa.String(length=8), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('mail_via', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.PrimaryKeyConstraint('symbol', name=op.f('pk_employers')))
    op.create_table('member_addresses',
    sa.Column('member_id', Id, nullable=False),
    sa.Column('postcode', sa.String(length=8), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('mail_to', sa.String(length=10), server_default='home', nullable=False),
    sa.Column('updated_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_addresses_member_id_members')),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_member_addresses')))
    op.create_index(op.f('ix_member_addresses_postcode'), 'member_addresses', ['postcode'])
    op.create_table('idempotency_keys',
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('route', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key_hash', name=op.f('pk_idempotency_keys')))
    op.create_index(op.f('ix_idempotency_keys_created_at'), 'idempotency_keys', ['created_at'])
    with op.batch_alter_table('eligibility_certificates') as batch:
        batch.add_column(sa.Column('returned_on', sa.Date(), nullable=True))
    for table in _CANCELLABLE:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('cancelled_on', sa.Date(), nullable=True))
            batch.add_column(sa.Column('cancel_reason', sa.String(length=200), nullable=True))
            batch.add_column(sa.Column('cancelled_by', sa.String(length=100), nullable=True))


def downgrade() -> None:
    for table in _CANCELLABLE:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('cancelled_by')
            batch.drop_column('cancel_reason')
            batch.drop_column('cancelled_on')
    with op.batch_alter_table('eligibility_certificates') as batch:
        batch.drop_column('returned_on')
    op.drop_index(op.f('ix_idempotency_keys_created_at'), table_name='idempotency_keys')
    op.drop_table('idempotency_keys')
    op.drop_index(op.f('ix_member_addresses_postcode'), table_name='member_addresses')
    op.drop_table('member_addresses')
    op.drop_table('employers')
