"""Alembic revisions of the slotchat schema (run by storage.migrate)."""
