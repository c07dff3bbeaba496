"""Directory: competences as rows, their controlled lists with labels, contacts, coordinator

The JSON lists ``authorities.areas`` and ``authorities.competences`` become the tables
``authority_areas`` and ``authority_competences``; the controlled lists (``competences``, with
a label per language in ``competence_labels``) are filled from the shipped seed file for the
areas the server already has, so existing authorities keep their competences. Publishing the
lists to replicas is ``seed_base``'s job (at the next ``imi-server init``).

Revision ID: 0006
Revises: 0005
"""
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_SEED = Path(__file__).parents[2] / "seed" / "competences.json"


def upgrade() -> None:
    op.create_table('competences',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area'], ['areas.code'], name='fk_competences_area'),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_index('ix_competences_area', 'competences', ['area'])
    op.create_table('competence_labels',
    sa.Column('competence', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['competence'], ['competences.code'], ondelete='CASCADE',
                            name='fk_competence_labels_competence'),
    sa.PrimaryKeyConstraint('competence', 'language')
    )
    op.create_table('authority_areas',
    sa.Column('authority_id', sa.String(length=64), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['authority_id'], ['authorities.id'], ondelete='CASCADE',
                            name='fk_authority_areas_authority'),
    sa.ForeignKeyConstraint(['area'], ['areas.code'], name='fk_authority_areas_area'),
    sa.PrimaryKeyConstraint('authority_id', 'area')
    )
    op.create_index('ix_authority_areas_area', 'authority_areas', ['area'])
    op.create_table('authority_competences',
    sa.Column('authority_id', sa.String(length=64), nullable=False),
    sa.Column('competence', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['authority_id'], ['authorities.id'], ondelete='CASCADE',
                            name='fk_authority_competences_authority'),
    sa.ForeignKeyConstraint(['competence'], ['competences.code'],
                            name='fk_authority_competences_competence'),
    sa.PrimaryKeyConstraint('authority_id', 'competence')
    )
    op.create_index('ix_authority_competences_competence', 'authority_competences',
                    ['competence'])
    _move_lists_to_rows()
    # Plain ALTER TABLE, also on SQLite (3.35+ drops columns in place): a batch rebuild
    # would drop ``authorities``, which users and cases reference.
    op.add_column('authorities', sa.Column('address', sa.String(length=400), nullable=False,
                                           server_default=''))
    op.add_column('authorities', sa.Column('postal_code', sa.String(length=20), nullable=False,
                                           server_default=''))
    op.add_column('authorities', sa.Column('website', sa.String(length=300), nullable=False,
                                           server_default=''))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE authorities ADD COLUMN coordinator_id VARCHAR(64) "
                   "REFERENCES authorities (id)")
        op.execute("ALTER TABLE authorities DROP COLUMN areas")
        op.execute("ALTER TABLE authorities DROP COLUMN competences")
    else:
        op.add_column('authorities', sa.Column('coordinator_id', sa.String(length=64),
                                               nullable=True))
        op.create_foreign_key('fk_authorities_coordinator', 'authorities', 'authorities',
                              ['coordinator_id'], ['id'])
        op.drop_column('authorities', 'areas')
        op.drop_column('authorities', 'competences')
    op.create_index('ix_authorities_coordinator_id', 'authorities', ['coordinator_id'])


def _move_lists_to_rows() -> None:
    bind = op.get_bind()
    areas = {r[0] for r in bind.execute(sa.text("SELECT code FROM areas"))}
    listed = json.loads(_SEED.read_text(encoding="utf-8"))["competences"]
    known = set()
    for position, entry in enumerate(listed):
        if entry["area"] not in areas:
            continue
        known.add(entry["code"])
        bind.execute(sa.text("INSERT INTO competences (code, area, position) "
                             "VALUES (:c, :a, :p)"),
                     {"c": entry["code"], "a": entry["area"], "p": position})
        for language, label in entry["labels"].items():
            bind.execute(sa.text("INSERT INTO competence_labels (competence, language, label) "
                                 "VALUES (:c, :l, :t)"),
                         {"c": entry["code"], "l": language, "t": label})
    for authority_id, area_list, competence_list in bind.execute(
            sa.text("SELECT id, areas, competences FROM authorities")).fetchall():
        mine = _as_list(area_list)
        for area in dict.fromkeys(a for a in mine if a in areas):
            bind.execute(sa.text("INSERT INTO authority_areas (authority_id, area) "
                                 "VALUES (:i, :a)"), {"i": authority_id, "a": area})
        for code in dict.fromkeys(c for c in _as_list(competence_list) if c in known):
            bind.execute(sa.text("INSERT INTO authority_competences (authority_id, competence) "
                                 "VALUES (:i, :c)"), {"i": authority_id, "c": code})


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value)
    return [str(v) for v in value] if isinstance(value, list) else []


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column('authorities', sa.Column('areas', sa.JSON(), nullable=False,
                                           server_default='[]'))
    op.add_column('authorities', sa.Column('competences', sa.JSON(), nullable=False,
                                           server_default='[]'))
    bind = op.get_bind()
    for (authority_id,) in bind.execute(sa.text("SELECT id FROM authorities")).fetchall():
        areas = [r[0] for r in bind.execute(sa.text(
            "SELECT area FROM authority_areas WHERE authority_id = :i ORDER BY area"),
            {"i": authority_id})]
        competences = [r[0] for r in bind.execute(sa.text(
            "SELECT competence FROM authority_competences WHERE authority_id = :i "
            "ORDER BY competence"), {"i": authority_id})]
        bind.execute(sa.text("UPDATE authorities SET areas = :a, competences = :c WHERE id = :i"),
                     {"a": json.dumps(areas), "c": json.dumps(competences), "i": authority_id})
    op.drop_index('ix_authorities_coordinator_id', 'authorities')
    if sqlite:
        for column in ('coordinator_id', 'website', 'postal_code', 'address'):
            op.execute(f"ALTER TABLE authorities DROP COLUMN {column}")
    else:
        op.drop_constraint('fk_authorities_coordinator', 'authorities', type_='foreignkey')
        for column in ('coordinator_id', 'website', 'postal_code', 'address'):
            op.drop_column('authorities', column)
    op.drop_table('authority_competences')
    op.drop_table('authority_areas')
    op.drop_table('competence_labels')
    op.drop_table('competences')
