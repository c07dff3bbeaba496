"""case_translations: machine translations kept with their case (sealed);
question_set_drafts: the Commission's working copies of question sets

Revision ID: 0009
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'case_translations',
        sa.Column('id', sa.String(length=120), nullable=False),
        sa.Column('case_id', sa.String(length=32), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.Column('translated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_case_translations_case_id'), 'case_translations', ['case_id'])
    op.create_table(
        'question_set_drafts',
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('code'),
    )


def downgrade() -> None:
    op.drop_table('question_set_drafts')
    op.drop_index(op.f('ix_case_translations_case_id'), table_name='case_translations')
    op.drop_table('case_translations')
