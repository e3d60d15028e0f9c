"""Widgets of the chat screen; each owns one part of the window and nothing else."""
