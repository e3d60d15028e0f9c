"""Initial schema: conversations, turns as a tree, generation metadata, states, bookings.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _conversations(head_fk=sqlite)
    _turns()
    if not sqlite:  # PostgreSQL needs turns to exist; SQLite cannot ALTER in a constraint
        op.create_foreign_key(
            "fk_conv_head", "conversations", "turns", ["head_turn_id"], ["id"], ondelete="SET NULL"
        )
    _generations()
    _states()
    _bookings()


def _conversations(*, head_fk: bool) -> None:
    head = (
        [
            sa.ForeignKeyConstraint(
                ["head_turn_id"], ["turns.id"], name="fk_conv_head", ondelete="SET NULL"
            )
        ]
        if head_fk
        else []
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("domain", sa.String(200), nullable=False),
        sa.Column("model", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.Column("deleted_at", sa.DateTime, nullable=True),
        sa.Column("head_turn_id", sa.Integer, nullable=True),
        *head,
    )
    op.create_index("ix_conversations_updated_at", "conversations", ["updated_at"])


def _turns() -> None:
    op.create_table(
        "turns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "conversation_id",
            sa.Integer,
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "parent_id", sa.Integer, sa.ForeignKey("turns.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
    )
    op.create_index("ix_turns_conversation", "turns", ["conversation_id", "id"])
    op.create_index("ix_turns_parent_id", "turns", ["parent_id"])


def _turn_fk() -> sa.Column[int]:
    return sa.Column(
        "turn_id", sa.Integer, sa.ForeignKey("turns.id", ondelete="CASCADE"), primary_key=True
    )


def _generations() -> None:
    op.create_table(
        "generations",
        _turn_fk(),
        sa.Column("model", sa.String(500), nullable=False),
        sa.Column("prompt_tokens", sa.Integer, nullable=False),
        sa.Column("completion_tokens", sa.Integer, nullable=False),
        sa.Column("cached_tokens", sa.Integer, nullable=False),
        sa.Column("latency_s", sa.Float, nullable=False),
        sa.Column("first_token_s", sa.Float, nullable=False),
        sa.Column("cut_off", sa.Boolean, nullable=False),
    )


def _states() -> None:
    op.create_table(
        "turn_states",
        _turn_fk(),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("act", sa.JSON, nullable=True),
    )


def _bookings() -> None:
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "conversation_id",
            sa.Integer,
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "turn_id", sa.Integer, sa.ForeignKey("turns.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("slots", sa.JSON, nullable=False),
        sa.Column("entity", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_bookings_conversation_id", "bookings", ["conversation_id"])
    op.create_index("ix_bookings_reference", "bookings", ["reference"])


def downgrade() -> None:
    for table in ("bookings", "turn_states", "generations"):
        op.drop_table(table)
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_conv_head", "conversations", type_="foreignkey")
    op.drop_table("turns")
    op.drop_table("conversations")
