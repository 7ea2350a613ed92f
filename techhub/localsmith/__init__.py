"""A local LangSmith-compatible server backed by SQLite.

The unmodified ``langsmith`` SDK talks to it through ``LANGSMITH_ENDPOINT``, so the course uses the
real ``Client``, ``@traceable``, LangChain/LangGraph tracing and ``evaluate()`` without keys.
Layout (after moto): ``store`` (SQLite), one module per area for state and behaviour, ``filters``
(the trace query language), ``rules`` (online evaluators and automations), ``routes/`` (thin HTTP),
``exceptions`` (every error as a class with its status).

Tracing core: ``ingest`` (write runs), ``multipart`` (decode ``/runs/multipart`` bodies), ``runs``
(run tables, queries, threads, stats), ``runs_v2`` (the v2 query API: ``/api/v2/runs``, ``/traces``),
``threads`` (the v2 thread query, a thread's traces, thread stats), ``projects``, ``feedback``,
``usage`` (tokens and cost), ``times`` (the stored timestamp form), ``ids`` (canonical UUIDs),
``values`` (client JSON kept within the depth a response can carry), ``guard`` (API key, body
limit, a JSON 500 for a bug), ``launcher`` (start the server as a child process, for tests and benchmarks).

Datasets and experiments: ``datasets``, ``examples`` (with their history), ``dataset_versions``
(versions, tags, ``as_of``), ``example_filters``, ``example_schemas`` (datasets' JSON schemas),
``experiments`` (comparative experiments, results).
Flywheel: ``queues`` (annotation queues and their items), ``rules`` (validation and storage),
``rule_engine`` (the background thread that applies rules to new runs and idle threads).
"""

from techhub.localsmith.app import create_app

__all__ = ["create_app"]
