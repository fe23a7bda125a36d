"""documents and certificate runs

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('certificate_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('run_on', sa.Date(), nullable=False),
    sa.Column('cohort', sa.String(length=20), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('issued', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('last_member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_runs'))
    )
    op.create_table('serials',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_serials'))
    )
    op.create_table('documents',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('serial', sa.String(length=12), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_documents_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('serial', name=op.f('uq_documents_serial'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_member_id'), ['member_id'], unique=False)

    op.create_table('eligibility_certificates',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('serial', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('superseded_on', sa.Date(), nullable=True),
    sa.Column('override_note', sa.String(length=500), nullable=True),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_eligibility_certificates_member_id_members')),
    sa.ForeignKeyConstraint(['run_id'], ['certificate_runs.id'], name=op.f('fk_eligibility_certificates_run_id_certificate_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eligibility_certificates')),
    sa.UniqueConstraint('run_id', 'member_id', name=op.f('uq_eligibility_certificates_run_id_member_id')),
    sa.UniqueConstraint('serial', name=op.f('uq_eligibility_certificates_serial'))
    )
    with op.batch_alter_table('eligibility_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_eligibility_certificates_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_eligibility_certificates_run_id'), ['run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('eligibility_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_eligibility_certificates_run_id'))
        batch_op.drop_index(batch_op.f('ix_eligibility_certificates_member_id'))

    op.drop_table('eligibility_certificates')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_member_id'))

    op.drop_table('documents')
    op.drop_table('serials')
    op.drop_table('certificate_runs')
