"""The pytest plugin, in a pytest of its own: one item per dialogue, the runner's diff on failure,
precise collection errors for broken files."""

from __future__ import annotations

import pytest

from tests.scripted.test_runner import SCRIPT

CONFTEST = """\
from agent.evaluation.scripted.pytest_plugin import ScriptedPlugin, add_options
from tests.fakes.table_engine import toy_factory

def pytest_addoption(parser):
    add_options(parser)

def pytest_configure(config):
    config.pluginmanager.register(ScriptedPlugin(config, toy_factory), "scripted")
"""


# plugins with session-global state (snapshots) or slow summaries that a nested session breaks
_QUIET = ("cacheprovider", "textual-snapshot", "hypothesispytest", "langsmith_plugin", "benchmark")


def run_pytest(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makeconftest(CONFTEST)
    disabled = [arg for name in _QUIET for arg in ("-p", f"no:{name}")]
    return pytester.runpytest(*disabled, "-rA", *args)


def test_dialogues_are_items_with_the_runner_diff(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLOTCHAT_TEST_MODEL", raising=False)
    pytester.makefile(".yaml", test_toy=SCRIPT, **{"toy.recorded": SCRIPT, "other": SCRIPT})
    result = run_pytest(pytester)
    out = result.stdout.str()
    result.assert_outcomes(passed=1, failed=2)
    assert "PASSED test_toy.yaml::search and book" in out
    assert "FAILED test_toy.yaml::wrong expectations" in out
    assert "✗ restaurant-area" in out and "act:   offer  (expected request)" in out
    assert "engine error at turn 1: RuntimeError: the toy engine crashed" in out
    assert "Traceback" not in out


def test_selection_and_markers(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", test_toy=SCRIPT)
    result = run_pytest(pytester, "-k", "search", "--scripted-model", "tiny", "-m", "model")
    result.assert_outcomes(passed=1, deselected=2)
    result = run_pytest(pytester, "--scripted-model", "fake", "-m", "model")
    result.assert_outcomes(deselected=3)


def test_a_broken_file_is_a_collection_error_with_file_and_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".yaml", test_bad="dialogues:\n  - name: x\n    turns: []\n")
    result = run_pytest(pytester)
    assert result.ret != 0
    result.stdout.fnmatch_lines(
        ["*test_bad.yaml:3: dialogues[[]0[]].turns: List should have at least 1 item*"]
    )
    assert "Traceback" not in result.stdout.str()
