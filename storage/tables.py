"""The tables. Turns form a tree through ``parent_id``; a conversation's ``head_turn_id`` is the
tip of its active branch, so regenerate and fork only add rows and move the head.

State snapshots and generation metadata live in their own one-to-one tables: most turns have
neither (user turns carry no metadata, only tracked turns carry state), and the hot path of a
streamed reply updates only ``turns.text``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ConversationRow(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    domain: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # Soft delete, so that the TUI can undo; ``purge`` removes the rows for good.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    head_turn_id: Mapped[int | None] = mapped_column(
        ForeignKey("turns.id", ondelete="SET NULL", use_alter=True, name="fk_conv_head"),
        nullable=True,
    )


class TurnRow(Base):
    __tablename__ = "turns"
    __table_args__ = (Index("ix_turns_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("turns.id", ondelete="CASCADE"), nullable=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # False while a reply streams; stays False if the process died: shown as cut off.
    complete: Mapped[bool] = mapped_column(Boolean, default=True)


class GenerationRow(Base):
    __tablename__ = "generations"

    turn_id: Mapped[int] = mapped_column(
        ForeignKey("turns.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(500))
    prompt_tokens: Mapped[int] = mapped_column(Integer)
    completion_tokens: Mapped[int] = mapped_column(Integer)
    cached_tokens: Mapped[int] = mapped_column(Integer)
    latency_s: Mapped[float] = mapped_column(Float)
    first_token_s: Mapped[float] = mapped_column(Float)
    cut_off: Mapped[bool] = mapped_column(Boolean)


class TurnStateRow(Base):
    __tablename__ = "turn_states"

    turn_id: Mapped[int] = mapped_column(
        ForeignKey("turns.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    act: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class BookingRow(Base):
    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    turn_id: Mapped[int | None] = mapped_column(
        ForeignKey("turns.id", ondelete="SET NULL"), nullable=True
    )
    service: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(64), index=True)
    slots: Mapped[dict[str, str]] = mapped_column(JSON)
    entity: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime)
