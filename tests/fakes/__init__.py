"""The test toolkit: the fakes the unit tests share at the engine's seams. (No tests in here.)

- ``tests.fakes.mini``: the one mini domain (restaurant, train, taxi services with records):
  ``mini_pack()`` and ``mini_schema()`` for the policy, backend, reply and engine tests, and
  ``OPEN_SCHEMA`` (the same services with intents that name no slots) for the tracker's.
- ``tests.fakes.store``: the real store (``storage.SqlMemory``) on in-memory SQLite: the
  ``memory()`` factory and the ``memory`` fixture (offered to tests/agent by its conftest).
- ``tests.fakes.turns``: a scripted tracker, prompts that show the model the turn plainly, a
  recording listener, ``delta(...)`` for writing state changes briefly, and a keyword tracker
  for tests that drive the engine from free text (the TUI's).
- ``tests.fakes.engine``: ``mini_engine(memory, tracker)``, the real ``DialogueEngine`` on the
  mini domain with echo prompts and the scripted fake model (the engine's and the TUI's tests).
- ``tests.fakes.table_engine``: an engine that answers from a table keyed by the user's text,
  for the scripted-dialogue runner (no model, no store).

The scripted fake model is product code: ``agent.llm.fake.ScriptedChatModel``. A test that needs
what none of these can do (a fault injector, a schema of another shape) keeps its own fake
beside it and says why.
"""
