"""One dialogue turn through the ports: memory, tracker, policy, backend, responder, memory.

The order is the product's promise: the user's text is committed before any model work (a crash
never loses what was typed); the assistant turn is appended ``complete=False`` before the first
token, together with the merged state (the turn's one snapshot), its act and the booking the act
made (one transaction: no booking the conversation does not know, none
announced that was not stored), and completed at the end, so a cancelled or killed reply stays
visible as cut off. :meth:`DialogueEngine.resume` answers what an interruption left unanswered;
the bookings a turn sees come from the store, whatever branch made them.

Two windows on one conversation: a turn holds the conversation's turn lock (another window's
turn waits for it), and an edit names the head its window saw (``expected_head``): the store
refuses it with ``ConversationChanged``, before anything is stored, when the conversation has
moved on since: at the user turn for a message or an edit (:meth:`DialogueEngine.edit`, a new
sibling of the edited turn); for a regenerate, before any work (no booking is made for a
refused regenerate) and again at the reply.

Timings in the returned :class:`TurnResult` are from the call (the user's Enter): ``state_s``
to the merged state and chosen act, ``meta.first_token_s`` to the first reply token,
``meta.latency_s`` to the end of the reply.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence

from agent.domain import (
    Act,
    ActType,
    Conversation,
    DialogueState,
    DomainSchema,
    GenerationMeta,
    Turn,
    TurnResult,
)
from agent.engine.stores import Branching, refuse_stale
from agent.engine.turn_checks import StateFilter, carry_out
from agent.engine.turn_context import TurnContext, changes, clip, context_of, last_state
from agent.errors import GenerationCancelled, ModelError, NotFound, StorageError
from agent.language.answers import Answer, pure_answer
from agent.policy.choose import Situation, decide
from agent.ports import (
    Backend,
    CancelToken,
    ChatModel,
    Memory,
    Tracker,
    TrackerPrompts,
    TurnListener,
)
from agent.reply.writer import Reply, Responder
from agent.tracking.system_move import move_of_act

log = logging.getLogger(__name__)

_EDIT_REFUSED = "your edit was not sent"
EMPTY_REPLY = "I didn't catch that. What would you like to do?"


class DialogueEngine:
    """Runs turns of conversations stored in ``memory`` (see the module docstring)."""

    def __init__(
        self,
        model: ChatModel,
        tracker: Tracker,
        prompts: TrackerPrompts,
        backend: Backend,
        memory: Memory,
        schema: DomainSchema,
        *,
        responder: Responder | None = None,
        known_names: Sequence[str] = (),
    ) -> None:
        self.model = model
        self.tracker = tracker
        self.backend = backend
        self.memory = memory
        self.schema = schema
        services = [s.name for s in schema.services]
        self.responder = responder or Responder(
            model, prompts, known_names=known_names, services=services, lexicon=schema.lexicon
        )
        self._filter = StateFilter(schema)
        self._edited: dict[int, tuple[DialogueState, DialogueState]] = {}

    # ------------------------------------------------------------------ public API

    def start_conversation(self, title: str = "New conversation") -> Conversation:
        return self.memory.create_conversation(
            title=title, domain=self.schema.name, model=self.model.name
        )

    def turn(
        self,
        conversation_id: int,
        user_text: str,
        *,
        listener: TurnListener | None = None,
        cancel: CancelToken | None = None,
        expected_head: int | None = None,
    ) -> TurnResult:
        """Run one user turn; returns after the reply and everything else is stored. With
        ``expected_head`` the message is refused (``ConversationChanged``, nothing stored) if
        the conversation's head has changed since the caller saw it."""
        started = time.perf_counter()
        with self.memory.answering(conversation_id):
            user_turn = self.memory.append_turn(
                conversation_id, "user", user_text, expected_head=expected_head
            )
            prior = self.memory.active_branch(conversation_id)[:-1]
            context = self._context(conversation_id, prior)
            return self._run(user_turn, context, started, listener, cancel)

    def regenerate(
        self,
        conversation_id: int,
        *,
        listener: TurnListener | None = None,
        cancel: CancelToken | None = None,
        expected_head: int | None = None,
    ) -> TurnResult:
        """A new reply to the last user turn, as a sibling branch of the old one (the memory
        tree keeps both). A booking the old reply made is shown again, never made twice.
        ``expected_head``: refused, nothing stored and nothing booked, if another window
        changed the conversation since the caller saw this head (checked before any work)."""
        started = time.perf_counter()
        with self.memory.answering(conversation_id):
            branch = self.memory.active_branch(conversation_id)
            index = max((i for i, t in enumerate(branch) if t.role == "user"), default=-1)
            if index < 0:
                raise NotFound("there is no message to regenerate a reply for; send one first")
            refuse_stale(self.memory, conversation_id, branch, expected_head)
            old = branch[index + 1] if index + 1 < len(branch) else None
            booking = old.act.booking if old is not None and old.act is not None else None
            context = dataclasses.replace(
                self._context(conversation_id, branch[:index]), booking=booking
            )
            return self._run(branch[index], context, started, listener, cancel, expected_head)

    def edit(
        self,
        conversation_id: int,
        user_turn_id: int,
        text: str,
        *,
        listener: TurnListener | None = None,
        cancel: CancelToken | None = None,
        expected_head: int | None = None,
    ) -> TurnResult:
        """Edit-and-resend: ``text`` becomes a new user turn beside ``user_turn_id`` (the old
        branch is kept) and is answered from the state and history at that fork point; a state
        the user edited after it does not apply. ``expected_head``: as for :meth:`turn`."""
        memory = self.memory
        if not isinstance(memory, Branching):
            raise StorageError("this conversation store cannot branch: it has no fork")
        started = time.perf_counter()
        with memory.answering(conversation_id):
            branch = memory.active_branch(conversation_id)
            ids = [t.id for t in branch if t.role == "user"]
            if user_turn_id not in ids:  # another window's edit may have replaced it
                refuse_stale(memory, conversation_id, branch, expected_head, _EDIT_REFUSED)
                raise NotFound(f"message {user_turn_id} is not on this conversation's branch")
            user_turn = memory.fork(user_turn_id, text, expected_head=expected_head)
            self._edited.pop(conversation_id, None)
            prior = branch[: [t.id for t in branch].index(user_turn_id)]
            context = self._context(conversation_id, prior)
            return self._run(user_turn, context, started, listener, cancel)

    def pending(self, conversation_id: int) -> bool:
        """The conversation ends without a finished reply that nobody is writing: a user turn
        left unanswered or a reply cut off (the process was killed, or the user stopped it).
        A turn another live process is answering right now is not pending."""
        branch = self.memory.active_branch(conversation_id)
        unfinished = bool(branch) and (branch[-1].role == "user" or not branch[-1].complete)
        return unfinished and not self.memory.being_answered(conversation_id)

    def resume(
        self,
        conversation_id: int,
        *,
        listener: TurnListener | None = None,
        cancel: CancelToken | None = None,
    ) -> TurnResult | None:
        """Answer what an interruption left unanswered (see :meth:`pending`), as
        :meth:`regenerate` does: a booking the cut-off reply made is shown, not made again.
        ``None`` when nothing is pending."""
        if not self.pending(conversation_id):
            return None
        return self.regenerate(conversation_id, listener=listener, cancel=cancel)

    def set_state(
        self, conversation_id: int, state: DialogueState, *, expected_head: int | None = None
    ) -> None:
        """Make ``state`` the conversation's state (the user edited it). Slots the schema does
        not know are dropped. The next turn tracks from it; edits count as changes, so a
        pending confirmation is asked again rather than answered by an old "yes". With
        ``expected_head``, refused (``ConversationChanged``) if the conversation moved on."""
        state = self._filter.valid(state)
        branch = self.memory.active_branch(conversation_id)
        before = last_state(branch)
        if branch:
            self.memory.save_state(
                branch[-1].id, state, branch[-1].act, expected_head=expected_head
            )
        baseline = self._edited.get(conversation_id, (state, before))[1]
        self._edited[conversation_id] = (state, baseline)

    def state(self, conversation_id: int) -> DialogueState:
        edited = self._edited.get(conversation_id)
        return edited[0] if edited else last_state(self.memory.active_branch(conversation_id))

    # ------------------------------------------------------------------ the pipeline

    def _run(
        self,
        user_turn: Turn,
        context: TurnContext,
        started: float,
        listener: TurnListener | None,
        cancel: CancelToken | None,
        expected_head: int | None = None,
    ) -> TurnResult:
        """The turn after its user turn is stored: two more writes, the reply with the turn's
        state, act and booking (``expected_head`` is checked there, for a regenerate, whose user
        turn was already stored), then the reply's text."""
        conversation_id = user_turn.conversation_id
        text = clip(user_turn.text) if user_turn.text.strip() else ""  # the one clip
        if not text:
            state, act = context.state, Act(ActType.CHAT)
        else:
            state, act = self._understand(text, context, cancel)
        state_s = time.perf_counter() - started
        act = carry_out(self.backend, act, state, context.booking)
        made = act.booking if act.booking is not context.booking else None
        if listener is not None:  # the user turn is still the head (``cli.arrivals`` reads it)
            listener.on_state(state, act)
        reply_turn = self.memory.begin_reply(
            user_turn, state, act, made, expected_head=expected_head
        )
        self._edited.pop(conversation_id, None)
        reply, first_token = self._reply(text, act, state, context, listener, cancel)
        meta = dataclasses.replace(
            reply.meta,
            first_token_s=(first_token or time.perf_counter()) - started,
            latency_s=time.perf_counter() - started,
            cut_off=reply.cut_off,
        )
        self.memory.update_turn(
            reply_turn.id, text=reply.text, complete=not reply.cut_off, meta=meta
        )
        return TurnResult(
            conversation_id, user_turn.id, reply_turn.id, state, act, reply.text, meta,
            booking=act.booking, state_s=state_s, reply_source=reply.source,
            reply_issues=reply.issues,
        )  # fmt: skip

    def _understand(
        self, text: str, context: TurnContext, cancel: CancelToken | None
    ) -> tuple[DialogueState, Act]:
        """Track the turn, then let the policy choose the act."""
        previous = context.previous
        if (
            previous
            and previous.type is ActType.CONFIRM
            and pure_answer(text, self.schema.lexicon) != Answer.NONE
        ):
            state = context.state  # a bare yes/no to a confirmation: nothing to track
        else:
            state = self._track(context, text)
        if cancel is not None and cancel.is_set():
            return context.state, Act(ActType.CHAT)  # a cut-off tracker output is not trusted
        state = self._filter.valid(state)
        situation = Situation(
            self.schema, state, changes(context.baseline, state), text,
            self.backend.find, context.previous, context.entities, context.bookings,
        )  # fmt: skip
        return state, decide(situation)

    def _track(self, context: TurnContext, text: str) -> DialogueState:
        try:
            move = move_of_act(context.previous, context.entities, self.schema)
            return self.tracker.track(context.state, context.system_text, text, move)[1]
        except GenerationCancelled:
            return context.state
        except ModelError as error:
            log.warning("state tracking failed, keeping the previous state: %s", error)
            return context.state

    def _reply(
        self,
        text: str,
        act: Act,
        state: DialogueState,
        context: TurnContext,
        listener: TurnListener | None,
        cancel: CancelToken | None,
    ) -> tuple[Reply, float | None]:
        first: list[float] = []

        def on_token(piece: str) -> None:
            if not first:
                first.append(time.perf_counter())
            if listener is not None:
                listener.on_token(piece)

        on_replace = getattr(listener, "on_replace", None)
        if not text:
            on_token(EMPTY_REPLY)
            return Reply(EMPTY_REPLY, GenerationMeta(model="template"), "template"), first[0]
        reply = self.responder.respond(
            act, state, context.history, text,
            on_token=on_token, on_replace=on_replace, cancel=cancel,
            bookings=tuple(context.bookings.values()),
        )  # fmt: skip
        return reply, (first[0] if first else None)

    def _context(self, conversation_id: int, prior: list[Turn]) -> TurnContext:
        edited = self._edited.get(conversation_id)
        bookings = self.memory.bookings(conversation_id)
        return context_of(
            prior, edited[0] if edited else None, edited[1] if edited else None, bookings
        )
