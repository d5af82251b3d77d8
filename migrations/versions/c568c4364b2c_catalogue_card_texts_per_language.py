"""catalogue card texts per language

Revision ID: c568c4364b2c
Revises: c33e0462589c
Create Date: 2026-12-03 11:34:36.779812

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c568c4364b2c'
down_revision = 'c33e0462589c'
branch_labels = None
depends_on = None


_MODEL = sa.table(
    "process_model",
    sa.column("id", sa.Integer),
    sa.column("name_nb", sa.String),
    sa.column("name_en", sa.String),
    sa.column("description_en", sa.Text),
    sa.column("card_texts", sa.JSON),
)


def upgrade():
    # The English card moves into card_texts["en"] (other languages follow the same way).
    with op.batch_alter_table("process_model", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_texts", sa.JSON(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_MODEL.c.id, _MODEL.c.name_nb, _MODEL.c.name_en, _MODEL.c.description_en)
    ).all()
    for row in rows:
        english = {}
        if row.name_en and row.name_en != row.name_nb:
            english["name"] = row.name_en
        if row.description_en:
            english["description"] = row.description_en
        bind.execute(
            _MODEL.update()
            .where(_MODEL.c.id == row.id)
            .values(card_texts={"en": english} if english else {})
        )
    with op.batch_alter_table("process_model", schema=None) as batch_op:
        batch_op.alter_column("card_texts", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("description_en")
        batch_op.drop_column("name_en")


def downgrade():
    with op.batch_alter_table("process_model", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_en", sa.VARCHAR(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("description_en", sa.TEXT(), nullable=False, server_default="")
        )
    bind = op.get_bind()
    for row in bind.execute(sa.select(_MODEL.c.id, _MODEL.c.card_texts)).all():
        english = (row.card_texts or {}).get("en") or {}
        bind.execute(
            _MODEL.update()
            .where(_MODEL.c.id == row.id)
            .values(
                name_en=english.get("name", ""), description_en=english.get("description", "")
            )
        )
    with op.batch_alter_table("process_model", schema=None) as batch_op:
        batch_op.drop_column("card_texts")
