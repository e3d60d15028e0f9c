"""Screens: the chat (main), the sessions browser, and small modal dialogs."""
