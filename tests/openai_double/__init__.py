"""A test double of OpenAI's Chat Completions API, answered by the offline model. TEST FIXTURE ONLY.

The course never uses this: learners with an OpenAI key talk to OpenAI, learners without one get
``OfflineChatModel`` directly. The double exists so CI can run the live model path (``ChatOpenAI``
and the ``openai`` client, with ``OPENAI_BASE_URL`` pointed at a loopback port) with no network and
no key, and see what differs between ChatOpenAI's messages and the offline model's.

It behaves like OpenAI on the wire, not like a helper that smooths differences away: tool calls with
``call_`` ids and JSON-string arguments and ``content: null``; ``json_schema`` structured output as
JSON text in ``content`` (strict schemas checked as OpenAI checks them); ``usage`` with its details
objects; dated snapshot names in ``model`` (``gpt-4o-mini-2024-07-18``); SSE streaming with
tool-call deltas and, under ``stream_options.include_usage``, the final usage chunk and
``data: [DONE]``; OpenAI's 400/401/404 error bodies for bad requests (tool messages without their
call, unknown parameters, a wrong key, an unknown model). What the offline model cannot answer
(images, ``json_object``, a schema it has no handler for, ``n > 1``) is a 400 that says so.

Usage::

    double = OpenAIDouble(api_key="sk-test")
    with double.serve() as base_url:  # http://127.0.0.1:<port>/v1
        ChatOpenAI(base_url=base_url, api_key="sk-test").invoke("hi")
    double.requests  # every request served, with its status

Layout (as moto lays out a service): :mod:`.wire` reads and checks requests, :mod:`.completions`
answers them (no HTTP), :mod:`.server` is the HTTP layer, :mod:`.errors` holds OpenAI's errors.
"""

from .completions import SNAPSHOTS, served_model
from .server import OpenAIDouble, ServedRequest

__all__ = ["SNAPSHOTS", "OpenAIDouble", "ServedRequest", "served_model"]
