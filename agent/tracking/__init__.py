"""Stage 1 of a turn, understanding: the user's words and the system's last act become a state
delta.

:mod:`~agent.tracking.tracker` asks the model for the delta under a grammar built per turn
(:mod:`~agent.tracking.state_grammar`) from the values the turn can support
(:mod:`~agent.tracking.candidates`, :mod:`~agent.tracking.candidate_words`), then checks and
completes what the model wrote (:mod:`~agent.tracking.delta_checks`,
:mod:`~agent.tracking.completion`); :mod:`~agent.tracking.system_move` carries what the user
accepts of the system's offer; :mod:`~agent.tracking.choices` reads, by the model's calibrated
option scores, a categorical value or a service said in words no candidate names.
Imports the core (:mod:`agent.domain`, :mod:`agent.ports`,
:mod:`agent.delta_text`) and :mod:`agent.language`; never the policy, the reply or an adapter.
"""
