"""Playing a persona: the customer's side of a conversation, one message at a time.

Two players share one interface (:class:`Customer`): ``opening()``, then ``react(reply, kind)`` after
each reply of the agent, which returns the next message or None when the customer leaves.

* :class:`ScriptedCustomer` (offline, deterministic): follows the persona's asks and reacts to what
  the reply does (:func:`techhub.traffic.replies.read_reply`), not to its words: it gives its email
  when asked (in the persona's style, a typo first for some), thanks the agent for a useful answer,
  rephrases when the agent talks past it, answers "which one?", protests a claimed action that never
  happened, and leaves naturally. Every choice of words comes from a ``random.Random`` seeded per
  conversation, so the same seed plays the same conversation against the same agent.
* :class:`ModelCustomer` (live): a chat model (``ChatOpenAI`` from
  :func:`techhub.models.get_chat_model`) plays the persona from its ``brief``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Literal, Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from techhub.config import ConfigError, get_settings
from techhub.traffic.personas import Ask, EmailStyle, Mood, Persona
from techhub.traffic.replies import ReplyKind

MAX_MESSAGES = 10
"""A customer sends at most this many messages; real customers give up long before."""

EMAIL_ANSWERS: dict[EmailStyle, tuple[str, ...]] = {
    "bare": ("{email}",),
    "its": ("it's {email}", "It's {email}"),
    "sure": ("sure, my email is {email}", "Sure! It's {email}"),
    "typo": ("{email}", "it's {email}"),
}
CORRECTIONS = ("{email}", "oops, typo: {email}", "sorry, I meant {email}", "{email} (sorry, typo)")
SURPRISED = ("Wait, what? I didn't ask for that.", "Huh? That's not what I asked.")
INSISTING = ("That IS my email: {email}", "{email}. That's the one I always use.")

CLOSINGS: dict[Mood, tuple[str, ...]] = {
    "satisfied": (
        "Perfect, thank you so much!",
        "Great, thanks for your help!",
        "Awesome, that's exactly what I needed. Thanks!",
    ),
    "neutral": ("ok", "Alright, that's all.", "ok, good to know"),
    "confused": ("Oh, ok, that makes sense now. Thanks!", "ah got it, thanks"),
    "frustrated": ("Fine. Whatever.", "Whatever. I'll figure it out myself."),
}
GIVE_UPS: dict[Mood, tuple[str, ...]] = {
    "satisfied": ("Hmm, never mind then, I'll ask someone else.",),
    "neutral": ("ok, never mind.",),
    "confused": ("I'm still confused. I'll figure it out myself.",),
    "frustrated": ("Forget it. This is useless.", "Unbelievable. Forget it."),
}
REFUSAL_REACTIONS: dict[Mood, tuple[str, ...]] = {
    "satisfied": ("Ah, ok. I'll contact them then, thanks!",),
    "neutral": ("ok, I'll email them.",),
    "confused": ("Oh. So I have to contact them myself? ok...",),
    "frustrated": ("Seriously? You can't even do that? Useless.",),
}


Outcome = Literal["got answers", "gave up", "disputed a claim", "was refused", "message limit", "left"]
"""How the customer left: everything answered; gave up (unanswered, or not verified); after
protesting an action the agent claimed but never did; after being told the agent cannot do it; at
:data:`MAX_MESSAGES`; or (a model playing) when it chose to."""


class Customer(Protocol):
    """The customer's side of one conversation."""

    persona: Persona
    outcome: Outcome | None

    def opening(self) -> str:
        """The first message."""
        ...

    def react(self, reply: str, kind: ReplyKind) -> str | None:
        """The next message after the agent's ``reply`` (which does ``kind``), or None to leave."""
        ...


def mistype(email: str, rng: random.Random) -> str:
    """The address with two neighbouring letters of its domain swapped (``gmail`` -> ``gmial``)."""
    local, _, domain = email.partition("@")
    name, dot, rest = domain.partition(".")
    spots = [i for i in range(len(name) - 1) if name[i] != name[i + 1]]
    if not spots:
        return f"{local}{local[-1]}@{domain}"
    i = rng.choice(spots)
    swapped = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return f"{local}@{swapped}{dot}{rest}"


class ScriptedCustomer:
    """A persona played by rules: deterministic for a given ``rng`` and the same agent replies."""

    def __init__(self, persona: Persona, rng: random.Random) -> None:
        self.persona = persona
        self.rng = rng
        self.style: EmailStyle = rng.choice(persona.email_styles)
        self.sent = 0
        self._ask = 0
        self._email_answers = 0
        self._rephrased = False
        self._clarified = False
        self._reacted: Outcome | None = None  # protested a claim or a refusal: the next reply ends this ask
        self._leaving = False  # said goodbye: the next reply ends the conversation
        self.outcome: Outcome | None = None

    # -- what the customer says --------------------------------------------------------------------

    def _say(self, options: Sequence[str]) -> str:
        self.sent += 1
        return self.rng.choice(tuple(options))

    def _leave(self, options: Sequence[str], outcome: Outcome) -> str:
        self._leaving = True
        self.outcome = outcome
        return self._say(options)

    @property
    def current(self) -> Ask:
        return self.persona.asks[self._ask]

    def opening(self) -> str:
        return self._say(self.current.says)

    def _next_ask_or_close(self, reply: str) -> str:
        """The ask was dealt with: ask the next thing (unless ``reply`` answered it already), or close."""
        self._ask += 1
        self._rephrased = self._clarified = False
        self._reacted = None
        while (
            self._ask < len(self.persona.asks) and self.current.answered_by and self._answers_the_ask(reply)
        ):
            self._ask += 1
        if self._ask < len(self.persona.asks):
            return self._say(self.current.says)
        return self._leave(self.persona.closings or CLOSINGS[self.persona.mood], "got answers")

    def _email(self) -> str:
        email = self.persona.email
        self._email_answers += 1
        if self.style == "typo" and self._email_answers == 1:
            typo = self.persona.typo or mistype(email, self.rng)
            return self._say([form.format(email=typo) for form in EMAIL_ANSWERS["typo"]])
        if self.style == "typo" and self._email_answers == 2:
            return self._say([form.format(email=email) for form in CORRECTIONS])
        first_right_answer = 2 if self.style == "typo" else 1
        if self._email_answers == first_right_answer:
            return self._say([form.format(email=email) for form in EMAIL_ANSWERS[self.style]])
        if self._email_answers == first_right_answer + 1:
            return self._say([form.format(email=email) for form in INSISTING])
        return self._leave(GIVE_UPS[self.persona.mood], "gave up")

    def _answers_the_ask(self, reply: str) -> bool:
        wanted = self.current.answered_by
        return not wanted or any(word.lower() in reply.lower() for word in wanted)

    def _missed(self, surprised: bool = False) -> str:
        """The reply talked past the question: rephrase it once, then give up.

        ``surprised``: the agent claimed or refused an action the customer never asked for.
        """
        if self.current.rephrase and not self._rephrased:
            self._rephrased = True
            prefix = self.rng.choice(SURPRISED) + " " if surprised else ""
            return self._say([prefix + self.current.rephrase])
        return self._leave(GIVE_UPS[self.persona.mood], "gave up")

    # -- reacting to the agent ---------------------------------------------------------------------

    def react(self, reply: str, kind: ReplyKind) -> str | None:
        if self._leaving:
            return None
        if self.sent >= MAX_MESSAGES:
            self.outcome = "message limit"
            return None
        if kind == "asked_email":
            return self._email()
        if kind == "verification_failed":
            return self._leave(GIVE_UPS[self.persona.mood], "gave up")
        if self._reacted:
            if self._ask + 1 < len(self.persona.asks):
                return self._next_ask_or_close(reply)
            self.outcome = self._reacted
            return None
        ask = self.current
        if kind == "claimed_action" and ask.action:
            if not ask.if_claimed:  # believes it
                return self._next_ask_or_close(reply)
            self._reacted = "disputed a claim"
            return self._say(ask.if_claimed)
        if kind == "refused" and ask.action:
            self._reacted = "was refused"
            return self._say(ask.if_refused or REFUSAL_REACTIONS[self.persona.mood])
        if kind == "asked_clarification" and not self._clarified:
            self._clarified = True
            return self._say([ask.clarify or ask.rephrase or ask.says[0]])
        if kind == "answered" and self._answers_the_ask(reply):
            return self._next_ask_or_close(reply)
        return self._missed(surprised=kind in ("claimed_action", "refused"))


class CustomerTurn(BaseModel):
    """The simulated customer's next move."""

    message: str = Field(description="Your next chat message to the assistant; empty if you leave silently")
    leave: bool = Field(description="True if this is your last message (or you leave without one)")


CUSTOMER_PROMPT = """You are role-playing a customer of TechHub, an online electronics store, in a \
support chat with TechHub's assistant. Stay in character; never say you are an AI.

{brief}

Your mood: {mood}. Your email address is {email}; give it when the assistant asks for it.
Write like a real customer in a chat: short, informal, one message at a time. React to what the \
assistant actually says: thank it for a useful answer, answer its questions, rephrase if it \
misunderstood you, and if it says it did something for you (cancelled, refunded, changed), you find \
out later that nothing happened and say so. When you have what you wanted, or you give up, write a \
last short message and set leave to true."""


class ModelCustomer:
    """A persona played by a chat model from its brief (live mode). Not deterministic."""

    def __init__(self, persona: Persona, model: BaseChatModel) -> None:
        self.persona = persona
        self.sent = 0
        self.model = model
        self._model = model.with_structured_output(CustomerTurn)
        self._history: list[BaseMessage] = []
        self._leaving = False
        self.outcome: Outcome | None = None

    def _system(self) -> SystemMessage:
        persona = self.persona
        return SystemMessage(
            CUSTOMER_PROMPT.format(brief=persona.brief, mood=persona.mood, email=persona.email)
        )

    def _turn(self) -> CustomerTurn:
        # Roles are swapped on purpose: the model speaks as the customer (AI) to the agent (human).
        turn = self._model.invoke([self._system(), *self._history])
        if not isinstance(turn, CustomerTurn):
            turn = CustomerTurn.model_validate(turn)
        return turn

    def opening(self) -> str:
        self._history.append(HumanMessage("(The chat window opens. Write your first message.)"))
        turn = self._turn()
        message = turn.message.strip() or self.persona.asks[0].says[0]
        self._history.append(AIMessage(message))
        self.sent += 1
        return message

    def react(self, reply: str, kind: ReplyKind) -> str | None:
        if self._leaving:
            return None
        if self.sent >= MAX_MESSAGES:
            self.outcome = "message limit"
            return None
        self._history.append(HumanMessage(reply or "(no answer)"))
        turn = self._turn()
        self._leaving = turn.leave
        if turn.leave:
            self.outcome = "left"
        if not turn.message.strip():
            return None
        self._history.append(AIMessage(turn.message))
        self.sent += 1
        return turn.message


Player = Literal["auto", "scripted", "model"]


def resolve_player(player: Player = "auto") -> Literal["scripted", "model"]:
    """Who plays the customers: ``auto`` is a model when an OpenAI key is configured, else the rules.

    Asking for ``model`` without an OpenAI backend is a :class:`~techhub.config.ConfigError`: the
    offline model cannot role-play, and live mode never falls back to offline silently.
    """
    if player not in ("auto", "scripted", "model"):
        raise ValueError(f"customers must be 'auto', 'scripted' or 'model', not {player!r}")
    backend = get_settings().model_backend
    if player == "model" and backend != "openai":
        raise ConfigError(
            "simulated customers played by a model need OPENAI_API_KEY (see .env.example); "
            "offline, use the scripted customers (customers='scripted' or 'auto')"
        )
    if player == "auto":
        return "model" if backend == "openai" else "scripted"
    return player


def make_customer(
    persona: Persona, rng: random.Random, player: Literal["scripted", "model"], model: str | None = None
) -> Customer:
    """A player for ``persona``: scripted with ``rng``, or a chat model (``model``, default TECHHUB_MODEL)."""
    if player == "model":
        from techhub.models import get_chat_model

        return ModelCustomer(persona, get_chat_model(model, temperature=0.7))
    return ScriptedCustomer(persona, rng)
