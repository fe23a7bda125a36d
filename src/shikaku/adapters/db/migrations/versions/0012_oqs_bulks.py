"""一括照会 (muquc01/muquc02): accepted bulks, their items and answers a chunk a row (OQS.md §1.2, D-180)

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oqs_bulks',
    sa.Column('reception_number', sa.String(length=32), nullable=False),
    sa.Column('facility_code', sa.String(length=10), nullable=False),
    sa.Column('header', sa.JSON(), nullable=False),
    sa.Column('service_date', sa.Date(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('reception_number', name=op.f('pk_oqs_bulks')))
    op.create_index(op.f('ix_oqs_bulks_received_at'), 'oqs_bulks', ['received_at'])
    op.create_index(op.f('ix_oqs_bulks_status'), 'oqs_bulks', ['status'])
    op.create_table('oqs_bulk_chunks',
    sa.Column('reception_number', sa.String(length=32), nullable=False),
    sa.Column('chunk', sa.Integer(), nullable=False),
    sa.Column('searches', sa.Text(), nullable=False),
    sa.Column('units', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['reception_number'], ['oqs_bulks.reception_number'],
                            name=op.f('fk_oqs_bulk_chunks_reception_number_oqs_bulks')),
    sa.PrimaryKeyConstraint('reception_number', 'chunk', name=op.f('pk_oqs_bulk_chunks')))


def downgrade() -> None:
    op.drop_table('oqs_bulk_chunks')
    op.drop_index(op.f('ix_oqs_bulks_status'), table_name='oqs_bulks')
    op.drop_index(op.f('ix_oqs_bulks_received_at'), table_name='oqs_bulks')
    op.drop_table('oqs_bulks')
