"""failed sign-ins under names and card ids that sign in nobody (D-94)

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sign_in_misses',
    sa.Column('name_hash', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name_hash', name=op.f('pk_sign_in_misses')))
    op.create_index(op.f('ix_sign_in_misses_locked_until'), 'sign_in_misses', ['locked_until'])


def downgrade() -> None:
    op.drop_index(op.f('ix_sign_in_misses_locked_until'), table_name='sign_in_misses')
    op.drop_table('sign_in_misses')
