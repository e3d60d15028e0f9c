"""Checking the engine like code: :mod:`~agent.evaluation.sgd_scoring` scores the tracker on
Schema-Guided Dialogue (strict and official joint goal accuracy, :mod:`~agent.evaluation.metrics`),
and :mod:`agent.evaluation.scripted` runs scripted dialogue files through the whole engine.

Imports the stages and the core; never an adapter or the TUI.
"""
