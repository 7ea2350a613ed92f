"""What the agent writes on its own trace: the topic of each turn, as metadata of the root run.

Analytics group traffic and cost by topic with a filter on root runs, for example
``and(eq(metadata_key, "topic"), eq(metadata_value, "orders"))``. A node runs inside the graph's
root run (``supervisor_hitl_sql_agent``); LangChain's tracer keeps every open run of the trace in its
``run_map``, so a node can walk up from its own run to the root and add metadata there. The tracer
sends the root run's metadata again when the root run ends, so the key lands on the root run whether
the graph runs in process or inside the Agent Server. Without tracing there is no tracer and
nothing to do.
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig
from langchain_core.tracers.base import BaseTracer


def set_root_run_metadata(config: RunnableConfig | None, **metadata: Any) -> int:
    """Add ``metadata`` to the root run of the trace the caller runs in; returns how many tracers
    took it (0 when the run is not traced)."""
    callbacks = (config or {}).get("callbacks")
    parent_run_id = getattr(callbacks, "parent_run_id", None)
    if parent_run_id is None:
        return 0
    tagged = 0
    for tracer in getattr(callbacks, "handlers", None) or []:
        if not isinstance(tracer, BaseTracer):
            continue
        run = tracer.run_map.get(str(parent_run_id))
        while run is not None and run.parent_run_id is not None and str(run.parent_run_id) in tracer.run_map:
            run = tracer.run_map[str(run.parent_run_id)]
        if run is not None:
            run.extra.setdefault("metadata", {}).update(metadata)
            tagged += 1
    return tagged
