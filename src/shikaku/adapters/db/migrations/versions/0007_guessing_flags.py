"""guessing flags (生年月日の推測が疑われる照会)

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('guessing_flags',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('facility_code', sa.String(length=10), nullable=False),
    sa.Column('symbol', sa.String(length=16), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('birth_dates', sa.Integer(), nullable=False),
    sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('released_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guessing_flags')))
    op.create_index(op.f('ix_guessing_flags_flagged_at'), 'guessing_flags', ['flagged_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_guessing_flags_flagged_at'), table_name='guessing_flags')
    op.drop_table('guessing_flags')
