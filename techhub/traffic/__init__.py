"""Simulated customers talking to the deployed agent: personas, their players, and batches of traffic.

``run_traffic(conversations=12, concurrency=8, assistant="techhub-v1", seed=0)`` plays a batch of
conversations on the deployment (the local Agent Server offline) and returns a
:class:`TrafficSummary`; ``techhub traffic`` does the same from a shell. The modules, one job each:

* :mod:`.personas`: who the customers are (real customers of the store) and what they want;
* :mod:`.replies`: what a reply of the agent does, as a customer reads it;
* :mod:`.customers`: playing a persona, by rules (offline, seeded) or by a chat model (live);
* :mod:`.runner`: running many conversations at once and summarising them.
"""

from techhub.traffic.customers import Customer, ModelCustomer, ScriptedCustomer, make_customer, resolve_player
from techhub.traffic.personas import MOODS, PERSONAS, Ask, Mood, Persona, get_persona
from techhub.traffic.replies import REPLY_KINDS, ReplyKind, read_reply
from techhub.traffic.runner import (
    BATCH_KEY,
    MOOD_KEY,
    PERSONA_KEY,
    SimulatedThread,
    TrafficSummary,
    pick_personas,
    play,
    run_traffic,
)

__all__ = [
    "BATCH_KEY",
    "MOODS",
    "MOOD_KEY",
    "PERSONAS",
    "PERSONA_KEY",
    "REPLY_KINDS",
    "Ask",
    "Customer",
    "ModelCustomer",
    "Mood",
    "Persona",
    "ReplyKind",
    "ScriptedCustomer",
    "SimulatedThread",
    "TrafficSummary",
    "get_persona",
    "make_customer",
    "pick_personas",
    "play",
    "read_reply",
    "resolve_player",
    "run_traffic",
]
