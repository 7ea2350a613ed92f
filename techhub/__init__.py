"""The companion package of the TechHub Flywheel Workshop.

``config`` (modes and settings), ``db`` (the store), ``agent`` (the support agent), ``models`` (model
factory and the offline model), ``localsmith`` (the local LangSmith-compatible server),
``evaluators`` (the judges), ``flywheel`` (evaluator, queue, automation, review), ``services`` and
``cli`` (``techhub up | down | status | reset``), ``deployment`` (reaching the deployed agent).
"""
