"""blob_uploads, blob_chunks, blob_refs: attachments uploaded in sealed chunks

Revision ID: 0013
Revises: 0012 (main chains 0014 after it)
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_when = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'blob_uploads',
        sa.Column('sha256', sa.String(length=64), primary_key=True),
        sa.Column('authority_id', sa.String(length=64), sa.ForeignKey('authorities.id'),
                  primary_key=True),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('media_type', sa.String(length=120), nullable=False),
        sa.Column('received', sa.BigInteger(), nullable=False),
        sa.Column('complete', sa.Boolean(), nullable=False),
        sa.Column('created_at', _when, nullable=False),
        sa.Column('updated_at', _when, nullable=False),
    )
    op.create_index(op.f('ix_blob_uploads_authority_id'), 'blob_uploads', ['authority_id'])
    op.create_table(
        'blob_chunks',
        sa.Column('sha256', sa.String(length=64), primary_key=True),
        sa.Column('authority_id', sa.String(length=64), primary_key=True),
        sa.Column('offset', sa.BigInteger(), primary_key=True),
        sa.Column('length', sa.Integer(), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['sha256', 'authority_id'],
                                ['blob_uploads.sha256', 'blob_uploads.authority_id']),
    )
    op.create_table(
        'blob_refs',
        sa.Column('sha256', sa.String(length=64), primary_key=True),
        sa.Column('case_id', sa.String(length=32), sa.ForeignKey('cases.id'), primary_key=True),
    )
    op.create_index(op.f('ix_blob_refs_case_id'), 'blob_refs', ['case_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_blob_refs_case_id'), table_name='blob_refs')
    op.drop_table('blob_refs')
    op.drop_table('blob_chunks')
    op.drop_index(op.f('ix_blob_uploads_authority_id'), table_name='blob_uploads')
    op.drop_table('blob_uploads')
