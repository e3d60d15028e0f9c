"""Project-wide pytest setup: scripted dialogue files (``tests/**/test_*.yaml``) become items.

The plugin lives in agent.scripted.pytest_plugin; the engine comes from the composition root
(cli.scripted). Model: ``--scripted-model NAME`` or env SLOTCHAT_TEST_MODEL (default ``fake``).
"""

from __future__ import annotations

import pytest

from agent.scripted.pytest_plugin import ScriptedPlugin, add_options

pytest_plugins = ["pytester"]  # tests/scripted runs the plugin in a pytest of its own


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    from cli.scripted import factory_for

    config.pluginmanager.register(ScriptedPlugin(config, factory_for), "slotchat-scripted")
