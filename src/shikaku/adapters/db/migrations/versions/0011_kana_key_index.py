"""the look-up of possible duplicates: an index on the フリガナ without spaces and the 生年月日 (D-165)

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_members_kana_key', 'members', [sa.text("replace(name_kana, ' ', '')"), 'birth_date'])


def downgrade() -> None:
    op.drop_index('ix_members_kana_key', table_name='members')
