"""The TechHub support agent: the ``supervisor_hitl_sql_agent`` LangGraph graph and its prompts."""

from techhub.agent.graph import AgentState, build_graph, graph

__all__ = ["AgentState", "build_graph", "graph"]
