"""The two specialists the supervisor delegates to: a small tool-calling loop each.

The SQL agent works only for a verified customer, with ``run_sql_query`` bound to that customer;
the docs agent searches product pages and policies. Each runs on its own short conversation (its
system prompt and the supervisor's task) and returns its final answer as text, which the graph
hands back to the supervisor as the result of the handoff tool call.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool

from techhub.agent.prompts import DOCS_AGENT_PROMPT, SQL_AGENT_PROMPT
from techhub.agent.tools import DOCS_TOOLS, sql_tools
from techhub.db import CUSTOMER_SCHEMA

MAX_TOOL_ROUNDS = 5


def _setup(agent: str, customer_id: int | None) -> tuple[str, list[BaseTool]] | str:
    if agent == "sql_agent":
        if not customer_id:
            return "Error: the customer is not verified, so their orders cannot be read. Ask for their email."
        return SQL_AGENT_PROMPT.format(schema=CUSTOMER_SCHEMA), sql_tools(customer_id)
    if agent == "docs_agent":
        return DOCS_AGENT_PROMPT, DOCS_TOOLS
    return f"Error: unknown specialist {agent!r}."


def run_specialist(
    agent: str, task: str, customer_id: int | None, model: BaseChatModel, config: RunnableConfig | None = None
) -> str:
    """Run one specialist on a task until it answers (or gives up after a few tool rounds)."""
    setup = _setup(agent, customer_id)
    if isinstance(setup, str):
        return setup
    prompt, tools = setup
    by_name = {t.name: t for t in tools}
    bound = model.bind_tools(tools)
    messages: list[BaseMessage] = [SystemMessage(prompt), HumanMessage(task or "(no task given)")]
    for _ in range(MAX_TOOL_ROUNDS):
        reply: AIMessage = bound.invoke(messages, config)
        messages.append(reply)
        if not reply.tool_calls:
            return reply.text or "I found nothing to report."
        for call in reply.tool_calls:
            tool = by_name.get(call["name"])
            if tool is None:
                result = f"Error: no tool named {call['name']!r}; use one of {', '.join(by_name)}."
            else:
                result = str(tool.invoke(call.get("args") or {}, config))
            messages.append(ToolMessage(result, tool_call_id=call["id"], name=call["name"]))
    final = model.invoke(messages + [HumanMessage("Answer now with what you found.")], config)
    return final.text or "I couldn't finish that lookup."
