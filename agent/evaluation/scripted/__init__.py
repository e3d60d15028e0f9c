"""Scripted dialogue tests: YAML files of user turns and expectations, played through the engine.

The runner core knows nothing of the command line: the engine arrives through a factory callable,
so ``cli/scripted.py``, the pytest plugin and the runner's own tests each compose it their way.
"""
