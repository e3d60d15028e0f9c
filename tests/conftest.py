"""Project-wide pytest setup: scripted dialogue files (``tests/**/test_*.yaml``) become items,
and the slow tests are marked ``slow``.

The plugin lives in agent.evaluation.scripted.pytest_plugin; the engine comes from the composition
root (cli.scripted). Model: ``--scripted-model NAME`` or env SLOTCHAT_TEST_MODEL (default ``fake``).

A bare ``pytest`` (the ``testpaths``, no ``-m``) deselects the ``slow`` tests; naming files or
directories, or any ``-m``, runs what they select (``scripts/test`` passes ``-m "slow or not
slow"``: everything). Slow are: tests on real weights (``model``), in tmux
(``tmux``), on the PostgreSQL server (``postgres``), every Pilot test of the TUI (a real Textual
app each), the scripted dialogue files, the tests :data:`SLOW` names, and any test a module
marks ``slow`` itself (real processes, many writers).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.evaluation.scripted.pytest_plugin import ScriptedPlugin, add_options

TESTS = Path(__file__).resolve().parent
SLOW_MARKERS = ("model", "tmux", "postgres")
FAST_TUI = ("test_units.py",)  # the TUI's pure helpers: no app is run
# measured slow in the default run (--durations, 2026-12-02 under load 7-8): a node-id prefix
# (a module, or a module and a test name) and why
SLOW: dict[str, str] = {
    "tests/cli/test_repl.py": "a real slotchat process per test (6-34 s each)",
    "tests/cli/test_terminal_text.py::test_sessions_commands_neutralise": "real processes, 12 s",
    "tests/storage/test_collisions.py::test_two_processes_editing": "two processes, 3 rounds",
    "tests/llm/test_server.py::test_a_slot_another_process_holds": "a worker process, 5 s",
    "tests/llm/test_server.py::test_llamacpp_gets_grammar": "a local HTTP server, 2.6 s",
    "tests/scripted/test_cli.py": "the test command as a real process (2-5 s each)",
    "tests/scripted/test_runner.py::test_parallel_processes": "worker processes, 3 s",
    "tests/llm/test_cli_models.py": "assembles and hashes model packs (2-3 s each)",
    "tests/prompts/test_retrieval_sgd.py": "indexes the SGD corpus, 4 s",
    "tests/agent/engine/test_injection.py::test_the_worst_model": "the whole engine, 1-2.5 s each",
}

pytest_plugins = ["pytester"]  # tests/scripted runs the plugin in a pytest of its own


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    from cli.scripted import factory_for

    config.pluginmanager.register(ScriptedPlugin(config, factory_for), "slotchat-scripted")


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _slow(item):
            item.add_marker(pytest.mark.slow)
    if config.option.markexpr or config.args_source is not pytest.Config.ArgsSource.TESTPATHS:
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


def _slow(item: pytest.Item) -> bool:
    if any(item.get_closest_marker(name) for name in SLOW_MARKERS):
        return True
    path = item.path.resolve()
    relative = path.relative_to(TESTS).as_posix() if path.is_relative_to(TESTS) else ""
    if path.suffix == ".yaml":  # a scripted dialogue file: the whole engine per turn
        return True
    if relative.startswith("tui/") and path.name not in FAST_TUI:  # Pilot
        return True
    return any(item.nodeid.startswith(prefix) for prefix in SLOW)
