"""The seams of the engine. Adapters (``agent.llm``, ``prompts``, ``storage``) implement these;
``agent.engine.dialogue`` uses nothing else. Tests swap in fakes here."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from agent.domain import (
    Act,
    Booking,
    Completion,
    Constraint,
    Conversation,
    DialogueState,
    DomainSchema,
    Entity,
    GenerationMeta,
    GenerationParams,
    Message,
    Role,
    SearchHit,
    StateDelta,
    SystemMove,
    Turn,
)
from agent.errors import ModelError, SlotchatError

StepProgress = Callable[[str, float | None], None]
"""What a long start-up step is doing, and how far it is (0..1), or ``None`` when it cannot tell."""


class ConversationChanged(SlotchatError):
    """A write made against a view of the conversation it no longer matches: another window
    answered past, edited or regenerated the turn, chose another branch, or deleted the
    conversation. Nothing of the write was stored. ``change`` says what happened ("2 new
    turns"), ``refused`` what was not done ("your edit was not sent")."""

    def __init__(self, conversation_id: int, change: str, refused: str, hint: str) -> None:
        self.conversation_id = conversation_id
        self.change = change
        self.refused = refused
        self.hint = hint
        super().__init__(self.summary + f"; {hint}")

    def refusing(self, refused: str) -> ConversationChanged:
        """The same change, told as refusing ``refused`` (what the caller was doing)."""
        return ConversationChanged(self.conversation_id, self.change, refused, self.hint)

    @property
    def summary(self) -> str:
        """The line without the hint, for front ends that say what to do their own way."""
        where = f"conversation {self.conversation_id}"
        if self.change == "deleted":
            return f"{where} was deleted; {self.refused}"
        return f"{where} changed in another window ({self.change}); {self.refused}"


class CancelToken(Protocol):
    """Anything with ``is_set()``, e.g. ``threading.Event``. Checked between tokens."""

    def is_set(self) -> bool: ...


RunEnded = Callable[[str, GenerationMeta], None]
"""How a model tells a :class:`Generation` that its run is over: the finish reason (``stop``,
``length``, ``cancelled``) and the run's metadata. Called once, also when the run is closed
early."""


class Generation(Iterator[str]):
    """One streamed generation, and its record once it is over.

    Iterate it for the text pieces; :meth:`result` then gives the :class:`Completion`: the text
    the consumer received, why the run ended and its :class:`GenerationMeta`. The record belongs
    to this call, not to the model, so threads or windows that share a model each read their
    own (a model-wide "last generation" would be whichever finished last). :meth:`result`
    called before the last piece stops the run where it is, as :meth:`close` does: the
    consumer has read enough, and the record says so (a cut-off run).

    ``produce`` is the model's side: given the callback that records the end, it returns the
    pieces (a generator whose ``finally`` calls the callback is the usual shape).
    """

    def __init__(self, produce: Callable[[RunEnded], Iterator[str]]) -> None:
        self._pieces: list[str] = []
        self._end: tuple[str, GenerationMeta] | None = None
        self._source = produce(self._ended)

    def __iter__(self) -> Generation:
        return self

    def __next__(self) -> str:
        piece = next(self._source)
        self._pieces.append(piece)
        return piece

    def close(self) -> None:
        """Stop the run if it is still going (the model then records it as ended)."""
        close = getattr(self._source, "close", None)
        if close is not None:
            close()

    def result(self) -> Completion:
        """The record of the run, stopping it first if it is still going."""
        self.close()
        if self._end is None:
            raise ModelError("the generation was closed before it started: nothing was generated")
        finish, meta = self._end
        return Completion(text="".join(self._pieces), finish_reason=finish, meta=meta)

    def drain(self) -> Completion:
        """Read the remaining pieces, then the record: what ``ChatModel.complete`` returns."""
        for _ in self:
            pass
        return self.result()

    def _ended(self, finish: str, meta: GenerationMeta) -> None:
        self._end = (finish, meta)


@runtime_checkable
class ChatModel(Protocol):
    """A chat model: llama.cpp in process, a remote server, or a scripted fake."""

    @property
    def name(self) -> str: ...

    @property
    def context_size(self) -> int: ...

    def stream(
        self,
        messages: Sequence[Message],
        params: GenerationParams | None = None,
        constraint: Constraint | None = None,
        cancel: CancelToken | None = None,
    ) -> Generation:
        """The text pieces as they are generated, and the run's record once they end
        (:meth:`Generation.result`). Stops early when ``cancel`` is set."""
        ...

    def complete(
        self,
        messages: Sequence[Message],
        params: GenerationParams | None = None,
        constraint: Constraint | None = None,
        cancel: CancelToken | None = None,
    ) -> Completion: ...

    def count_tokens(self, text: str) -> int: ...

    def warm(self, messages: Sequence[Message]) -> None:
        """Prepare the prefix of ``messages`` marked ``cache=True`` so that a later request
        starting with it is fast (a model without a prompt cache does nothing)."""
        ...


@runtime_checkable
class OptionScorer(Protocol):
    """A model that can say how likely each of a few answers is (the in-process runtime; a
    model server behind HTTP cannot, and the tracker then does without the value chooser)."""

    def score_options(
        self, messages: Sequence[Message], options: Sequence[str]
    ) -> dict[str, float]:
        """The log-probability of each option as the whole answer to ``messages``."""
        ...


class ChoicePrompts(Protocol):
    """The value chooser's prompt (:class:`prompts.choice.ChoicePrompt`)."""

    @property
    def empty_message(self) -> str:
        """A message that says nothing (the baseline of the options' probabilities)."""
        ...

    @property
    def service_question(self) -> str:
        """The question that asks which of the services (by name) a message is about."""
        ...

    def choice_messages(
        self, question: str, options: Sequence[str], message: str
    ) -> list[Message]: ...


class Memory(Protocol):
    """Conversations as trees of turns, with state snapshots and bookings."""

    def create_conversation(self, *, title: str, domain: str, model: str) -> Conversation: ...

    def get_conversation(self, conversation_id: int) -> Conversation: ...

    def list_conversations(self, *, include_archived: bool = False) -> list[Conversation]: ...

    def append_turn(
        self,
        conversation_id: int,
        role: Role,
        text: str,
        *,
        parent_id: int | None = None,
        complete: bool = True,
        meta: GenerationMeta | None = None,
        expected_head: int | None = None,
    ) -> Turn:
        """Add a turn below ``parent_id`` (default: the head of the active branch) and make it the
        head. Committed before it returns. With ``expected_head`` (the head the caller's view
        ends with), a conversation whose head is another raises :class:`ConversationChanged`
        and nothing is written; a deleted conversation always does."""
        ...

    def update_turn(
        self,
        turn_id: int,
        *,
        text: str | None = None,
        complete: bool | None = None,
        meta: GenerationMeta | None = None,
    ) -> None:
        """Change a streamed reply (its text, whether it finished, its metadata); nothing is
        read back."""
        ...

    def save_state(
        self,
        turn_id: int,
        state: DialogueState,
        act: Act | None = None,
        *,
        expected_head: int | None = None,
    ) -> None:
        """Replace the turn's state snapshot (``expected_head`` as for :meth:`append_turn`)."""
        ...

    def begin_reply(
        self,
        user_turn: Turn,
        state: DialogueState,
        act: Act,
        booking: Booking | None = None,
        *,
        expected_head: int | None = None,
    ) -> Turn:
        """Append the (empty, incomplete) reply below ``user_turn`` with its state, its act and
        the booking the act made, all in one transaction: an interruption leaves either none
        of them or all of them. With ``expected_head`` (a regenerate), refused as
        :meth:`append_turn` is when the conversation moved on."""
        ...

    def active_branch(self, conversation_id: int) -> list[Turn]: ...

    def answering(self, conversation_id: int) -> AbstractContextManager[None]:
        """Held while this process answers a turn of the conversation; released by the
        operating system or the database server if the process dies. Entering it waits while
        another process holds it: turns of one conversation run one after the other."""
        ...

    def being_answered(self, conversation_id: int) -> bool:
        """Another live process holds :meth:`answering` for this conversation right now."""
        ...

    def latest_state(self, conversation_id: int) -> DialogueState: ...

    def add_booking(self, conversation_id: int, turn_id: int | None, booking: Booking) -> None: ...

    def bookings(self, conversation_id: int) -> list[Booking]: ...

    def search(self, query: str, *, limit: int = 20) -> list[SearchHit]: ...


class TrackerPrompts(Protocol):
    """Builds the prompts of the state tracker and the responder (the ``prompts`` package)."""

    def tracker_messages(
        self,
        state: DialogueState,
        system_text: str,
        user_text: str,
    ) -> list[Message]: ...

    def responder_messages(
        self,
        act: Act,
        state: DialogueState,
        history: Sequence[tuple[Role, str]],
        user_text: str,
    ) -> list[Message]: ...


class Tracker(Protocol):
    """The state change one user turn causes, and the merge (:class:`agent.tracking.tracker.
    StateTracker`; the engine's tests pass scripted ones)."""

    def track(
        self,
        state: DialogueState,
        system_text: str,
        user_text: str,
        move: SystemMove = ...,
    ) -> tuple[StateDelta, DialogueState]: ...


class Backend(Protocol):
    """The domain's database and its transactions."""

    @property
    def schema(self) -> DomainSchema: ...

    def find(self, service: str, constraints: Mapping[str, str]) -> list[Entity]: ...

    def book(self, service: str, slots: Mapping[str, str], entity: Entity | None) -> Booking: ...


class TurnListener(Protocol):
    """Receives a turn's progress as it happens (the TUI, the REPL, the test runner)."""

    def on_state(self, state: DialogueState, act: Act) -> None:
        """The tracker merged the state and the policy chose ``act``; the reply follows."""
        ...

    def on_token(self, text: str) -> None:
        """A piece of the reply."""
        ...
