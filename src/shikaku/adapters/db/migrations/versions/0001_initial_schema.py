"""initial schema

Revision ID: 0001
Revises: 
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_tokens',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('target', sa.String(length=100), nullable=True),
    sa.Column('remote', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_target', ['target'], unique=False)

    op.create_table('facilities',
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_facilities'))
    )
    op.create_table('members',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('family_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('relationship', sa.String(length=10), nullable=False),
    sa.Column('symbol', sa.String(length=8), nullable=False),
    sa.Column('number', sa.String(length=8), nullable=False),
    sa.Column('branch', sa.String(length=2), nullable=False),
    sa.Column('last_branch', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_kana', sa.String(length=100), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('qualified_on', sa.Date(), nullable=False),
    sa.Column('my_number_cipher', sa.LargeBinary(), nullable=True),
    sa.Column('my_number_hash', sa.String(length=64), nullable=True),
    sa.Column('my_number_last4', sa.String(length=4), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
    sa.UniqueConstraint('symbol', 'number', 'branch', name=op.f('uq_members_symbol_number_branch'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_members_my_number_hash'), ['my_number_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_members_name_kana'), ['name_kana'], unique=False)

    op.create_table('myna_cards',
    sa.Column('card_id', sa.String(length=32), nullable=False),
    sa.Column('my_number_hash', sa.String(length=64), nullable=False),
    sa.Column('certificate_expires_on', sa.Date(), nullable=False),
    sa.Column('insurance_registered_on', sa.Date(), nullable=True),
    sa.Column('insurance_cancelled_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('card_id', name=op.f('pk_myna_cards'))
    )
    with op.batch_alter_table('myna_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_myna_cards_my_number_hash'), ['my_number_hash'], unique=False)

    op.create_table('society',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('insurer_number', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('key_check', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_society'))
    )
    op.create_table('symbols',
    sa.Column('symbol', sa.String(length=8), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('symbol', name=op.f('pk_symbols'))
    )
    op.create_table('legacy_cards',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_legacy_cards_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legacy_cards'))
    )
    with op.batch_alter_table('legacy_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legacy_cards_member_id'), ['member_id'], unique=False)

    op.create_table('registrations',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('family_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('publish_on', sa.Date(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_registrations_member_id_members')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_registrations'))
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registrations_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_publish_on'), ['publish_on'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registrations_publish_on'))
        batch_op.drop_index(batch_op.f('ix_registrations_member_id'))
        batch_op.drop_index(batch_op.f('ix_registrations_family_id'))

    op.drop_table('registrations')
    with op.batch_alter_table('legacy_cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legacy_cards_member_id'))

    op.drop_table('legacy_cards')
    op.drop_table('symbols')
    op.drop_table('society')
    with op.batch_alter_table('myna_cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_myna_cards_my_number_hash'))

    op.drop_table('myna_cards')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_name_kana'))
        batch_op.drop_index(batch_op.f('ix_members_my_number_hash'))
        batch_op.drop_index(batch_op.f('ix_members_family_id'))

    op.drop_table('members')
    op.drop_table('facilities')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_target')

    op.drop_table('audit_log')
    op.drop_table('api_tokens')
