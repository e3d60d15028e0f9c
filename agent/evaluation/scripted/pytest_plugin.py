"""pytest collects ``tests/**/test_*.yaml`` as items, one per scripted dialogue.

Registered by ``tests/conftest.py``, which supplies the engine through ``make_factory`` (the
composition root lives in ``cli``, which this package must not import). The model comes from
``--scripted-model`` or env ``SLOTCHAT_TEST_MODEL`` (default ``fake``: the expectation-driven
fake model, seconds for the whole suite); items that use real weights are marked ``model``.
One harness (model, scratch database, engine) is built per domain and shared by the session.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.errors import ScriptError
from agent.evaluation.scripted.files import RECORDED_SUFFIX, SUFFIXES, Dialogue, load_file
from agent.evaluation.scripted.report import failure_text
from agent.evaluation.scripted.runner import DialogueOutcome, Harness, HarnessFactory, run_dialogue

ENV_MODEL = "SLOTCHAT_TEST_MODEL"
FactoryMaker = Callable[[str, str], HarnessFactory]  # (model, domain) -> factory


def add_options(parser: pytest.Parser) -> None:
    parser.addoption(
        "--scripted-model",
        default=None,
        metavar="NAME|fake",
        help=f"model for scripted dialogue items (env {ENV_MODEL}; default: fake)",
    )


class ScriptedPlugin:
    def __init__(self, config: pytest.Config, make_factory: FactoryMaker) -> None:
        option = config.getoption("--scripted-model", default=None)
        self.model: str = option or os.environ.get(ENV_MODEL) or "fake"
        self._make_factory = make_factory
        self._harnesses: dict[str, Harness] = {}

    def harness(self, domain: str) -> Harness:
        if domain not in self._harnesses:
            self._harnesses[domain] = self._make_factory(self.model, domain)()
        return self._harnesses[domain]

    def pytest_collect_file(self, parent: pytest.Collector, file_path: Path) -> Any:
        name = file_path.name
        if (
            name.startswith("test_")
            and name.endswith(SUFFIXES)
            and not name.endswith(RECORDED_SUFFIX)
        ):
            return DialogueFile.from_parent(parent, path=file_path, plugin=self)
        return None

    def pytest_sessionfinish(self) -> None:
        for harness in self._harnesses.values():
            harness.close()
        self._harnesses.clear()


class DialogueFile(pytest.File):
    def __init__(self, *, plugin: ScriptedPlugin, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plugin = plugin

    def collect(self) -> Iterator[DialogueItem]:
        try:
            dialogues = load_file(self.path)
        except ScriptError as error:
            raise self.CollectError(str(error)) from None
        for dialogue in dialogues:
            item = DialogueItem.from_parent(
                self, name=dialogue.name, dialogue=dialogue, plugin=self.plugin
            )
            if self.plugin.model != "fake":
                item.add_marker(pytest.mark.model)
            yield item


class ScriptedFailure(Exception):
    def __init__(self, outcome: DialogueOutcome) -> None:
        super().__init__(outcome.dialogue.name)
        self.outcome = outcome


class DialogueItem(pytest.Item):
    def __init__(self, *, dialogue: Dialogue, plugin: ScriptedPlugin, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dialogue = dialogue
        self.plugin = plugin

    def runtest(self) -> None:
        outcome = run_dialogue(self.dialogue, self.plugin.harness(self.dialogue.domain))
        if not outcome.passed:
            raise ScriptedFailure(outcome)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ScriptedFailure):
            return f"{self.dialogue.location}: {self.dialogue.name}\n" + failure_text(
                excinfo.value.outcome
            )
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.dialogue.line - 1, f"scripted dialogue: {self.dialogue.name}"
