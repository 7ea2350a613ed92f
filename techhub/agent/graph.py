"""The ``supervisor_hitl_sql_agent`` graph: verify the customer, then a supervisor with two specialists.

    START -> router --(needs identity, not verified)--> verify_email or ask_email
       ask_email -> await_email (interrupt: the customer's email) -> verify_email
       verify_email --(found)--> supervisor ; --(not found, < 3 attempts)--> ask_email ; else END
    router --(otherwise)--> supervisor
    supervisor --(handoff tool calls)--> sql_agent / docs_agent --> supervisor ; --(answer)--> END

The router also names the turn's topic (``orders``, ``products``, ``policies``, ``chitchat`` or
``out_of_scope``): it is kept in the state and written on the root run's metadata (key ``topic``),
so traces can be filtered and grouped by topic. The verified customer id persists in the thread's
state, so later turns skip verification. The prompt version (``v1`` baseline, ``v2`` with stated
limits) and the model are chosen per run via ``config["configurable"]["version"]`` and
``["model"]``, so one deployed graph serves both as two assistants.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, NotRequired, TypedDict

from langchain_core.exceptions import ModelRefusalError
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.constants import TAG_NOSTREAM
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.types import Command, Send, interrupt
from pydantic import BaseModel, Field

from techhub import models  # a module, not its function: the offline model reads techhub.agent's data
from techhub.agent import prompts
from techhub.agent.specialists import run_specialist
from techhub.agent.tools import SUPERVISOR_TOOLS
from techhub.agent.tracing import set_root_run_metadata
from techhub.config import ROOT_RUN_NAME
from techhub.db import EMAIL_PATTERN, find_customer_by_email, get_customer

MAX_EMAIL_ATTEMPTS = 3
MAX_DELEGATIONS = 6


class AgentState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    customer_id: int | None
    customer_name: str | None
    email_attempts: int
    topic: str


class Delegation(TypedDict):
    """What the supervisor hands a specialist or an action tool (sent with ``Send``)."""

    agent: str
    task: str
    tool_call_id: str
    customer_id: int | None
    args: NotRequired[dict]
    """An action tool's arguments, as the model called it."""


Topic = Literal["orders", "products", "policies", "chitchat", "out_of_scope"]


class RouteDecision(BaseModel):
    """What the customer's latest message is about, and whether answering it requires knowing who they are."""

    topic: Topic = Field(
        description="orders (their own orders or account), products, policies, chitchat or out_of_scope"
    )
    needs_identity: bool = Field(
        description="True for the customer's own orders, spending or an action on an order"
    )
    reason: str = Field(description="One short sentence")


def _options(config: RunnableConfig | None, default_version: str) -> tuple[str, str | None]:
    configurable = (config or {}).get("configurable") or {}
    version = configurable.get("version") or default_version
    if version not in prompts.VERSIONS:
        raise ValueError(f"unknown agent version {version!r}; expected one of {', '.join(prompts.VERSIONS)}")
    return version, configurable.get("model")


def _latest_human(state: AgentState) -> str:
    for message in reversed(state.get("messages", [])):
        if isinstance(message, HumanMessage):
            return message.text
    return ""


def build_graph(
    version: str = "v1",
    model: BaseChatModel | None = None,
    checkpointer: Any = None,
    tools: Sequence[BaseTool] = (),
):
    """Compile the agent graph.

    ``version``: the default prompt version (a run can override it in ``configurable``).
    ``model``: a chat model for every node; by default ``models.configured_chat_model`` picks one per
    run (``configurable["model"]``, else ``TECHHUB_MODEL``, with the run's temperature, timeout,
    retries and response cache when its configuration sets them) in the active mode.
    ``checkpointer``: needed in-process for the email interrupt; the Agent Server brings its own.
    ``tools``: action tools the supervisor may call besides its two handoffs (a new capability for a
    new revision, such as filing a cancellation request); each runs in the ``action_tool`` node and
    its result goes back to the supervisor. An error comes back as text, as every tool's does.
    """
    if version not in prompts.VERSIONS:
        raise ValueError(f"unknown agent version {version!r}; expected one of {', '.join(prompts.VERSIONS)}")
    action_tools = {tool.name: tool for tool in tools}
    clashes = set(action_tools) & {tool.name for tool in SUPERVISOR_TOOLS}
    if clashes:
        raise ValueError(f"action tools cannot reuse the handoff tools' names: {sorted(clashes)}")

    def chat_model(config: RunnableConfig | None) -> BaseChatModel:
        if model is not None:
            return model
        # model, temperature, timeout, retries and response cache, as the run's configuration says
        return models.configured_chat_model(_options(config, version)[1], (config or {}).get("configurable"))

    def router(
        state: AgentState, config: RunnableConfig
    ) -> Command[Literal["supervisor", "ask_email", "verify_email"]]:
        messages = state.get("messages", [])
        # The decision is the graph's business, not text for the customer: kept out of a run's message
        # stream (ChatOpenAI would stream it as JSON text) and asked for in one piece.
        unstreamed = chat_model(config).model_copy(update={"disable_streaming": True})
        decider = unstreamed.with_structured_output(RouteDecision).with_config(tags=[TAG_NOSTREAM])
        try:
            decision = decider.invoke([SystemMessage(prompts.ROUTER_PROMPT), *messages], config)
        except ModelRefusalError:  # OpenAI may refuse to classify (e.g. abuse): the supervisor answers
            set_root_run_metadata(config, topic="out_of_scope")
            return Command(update={"topic": "out_of_scope"}, goto="supervisor")
        set_root_run_metadata(config, topic=decision.topic)
        update = {"topic": decision.topic}
        if state.get("customer_id"):
            return Command(update=update, goto="supervisor")
        last_ai = next((m for m in reversed(messages) if isinstance(m, AIMessage) and m.content), None)
        has_email = bool(EMAIL_PATTERN.search(_latest_human(state)))
        if has_email and last_ai is not None and last_ai.text in (prompts.ASK_EMAIL, prompts.RETRY_EMAIL):
            return Command(update=update, goto="verify_email")  # answered our question with a new message
        if not decision.needs_identity:
            return Command(update=update, goto="supervisor")
        return Command(update=update, goto="verify_email" if has_email else "ask_email")

    def ask_email(state: AgentState) -> dict:
        question = prompts.RETRY_EMAIL if state.get("email_attempts") else prompts.ASK_EMAIL
        return {"messages": [AIMessage(question)]}

    def await_email(state: AgentState, config: RunnableConfig) -> dict:
        if state.get("topic"):  # the resume is a trace of its own: it carries the turn's topic too
            set_root_run_metadata(config, topic=state["topic"])
        answer = interrupt({"question": state["messages"][-1].text, "expects": "email"})
        if isinstance(answer, dict):
            answer = answer.get("email") or answer.get("content") or ""
        return {"messages": [HumanMessage(str(answer))]}

    def verify_email(state: AgentState) -> Command[Literal["supervisor", "ask_email", "__end__"]]:
        match = EMAIL_PATTERN.search(_latest_human(state))
        customer = find_customer_by_email(match.group(0)) if match else None
        if customer is not None:
            update = {
                "customer_id": customer.customer_id,
                "customer_name": customer.full_name,
                "email_attempts": 0,
            }
            return Command(update=update, goto="supervisor")
        attempts = state.get("email_attempts", 0) + 1
        if attempts >= MAX_EMAIL_ATTEMPTS:
            return Command(
                update={"email_attempts": attempts, "messages": [AIMessage(prompts.GIVE_UP)]}, goto=END
            )
        return Command(update={"email_attempts": attempts}, goto="ask_email")

    def supervisor(state: AgentState, config: RunnableConfig) -> dict:
        run_version = _options(config, version)[0]
        customer = None
        if state.get("customer_id"):
            name = state.get("customer_name") or get_customer(state["customer_id"]).full_name
            customer = f"{name} (customer id {state['customer_id']})"
        system = SystemMessage(prompts.supervisor_prompt(run_version, customer))
        messages = state.get("messages", [])
        delegations = sum(1 for m in messages[-2 * MAX_DELEGATIONS :] if isinstance(m, ToolMessage))
        bound = chat_model(config)
        if delegations < MAX_DELEGATIONS:
            bound = bound.bind_tools([*SUPERVISOR_TOOLS, *action_tools.values()])
        return {"messages": [bound.invoke([system, *messages], config)]}

    def delegate(state: AgentState) -> list[Send] | str:
        last = state["messages"][-1]
        if not isinstance(last, AIMessage) or not last.tool_calls:
            return END
        sends = []
        for call in last.tool_calls:
            agent = {"transfer_to_sql_agent": "sql_agent", "transfer_to_docs_agent": "docs_agent"}.get(
                call["name"]
            )
            payload: Delegation = {
                "agent": agent or call["name"],
                "task": str((call.get("args") or {}).get("task", "")),
                "tool_call_id": call["id"],
                "customer_id": state.get("customer_id"),
            }
            if call["name"] in action_tools:
                sends.append(Send("action_tool", {**payload, "args": dict(call.get("args") or {})}))
                continue
            sends.append(Send(agent or "unknown_tool", payload))
        return sends

    def specialist(delegation: Delegation, config: RunnableConfig) -> dict:
        answer = run_specialist(
            delegation["agent"], delegation["task"], delegation["customer_id"], chat_model(config), config
        )
        return {
            "messages": [
                ToolMessage(answer, tool_call_id=delegation["tool_call_id"], name=delegation["agent"])
            ]
        }

    def unknown_tool(delegation: Delegation) -> dict:
        known = ", ".join([tool.name for tool in SUPERVISOR_TOOLS] + list(action_tools))
        message = f"Error: there is no tool named {delegation['agent']!r}. Use one of: {known}."
        return {"messages": [ToolMessage(message, tool_call_id=delegation["tool_call_id"], status="error")]}

    def action_tool(delegation: Delegation, config: RunnableConfig) -> dict:
        tool = action_tools[delegation["agent"]]
        try:
            result, status = str(tool.invoke(delegation.get("args", {}), config)), "success"
        except Exception as error:  # a tool the learner wrote may raise anything; the model reads why
            result, status = f"Error: {type(error).__name__}: {error}", "error"
        message = ToolMessage(result, tool_call_id=delegation["tool_call_id"], name=tool.name, status=status)
        return {"messages": [message]}

    builder = StateGraph(AgentState)
    builder.add_node("router", router)
    builder.add_node("ask_email", ask_email)
    builder.add_node("await_email", await_email)
    builder.add_node("verify_email", verify_email)
    builder.add_node("supervisor", supervisor)
    builder.add_node("sql_agent", specialist)
    builder.add_node("docs_agent", specialist)
    builder.add_node("unknown_tool", unknown_tool)
    workers = ["sql_agent", "docs_agent", "unknown_tool"]
    if action_tools:
        builder.add_node("action_tool", action_tool)
        workers.append("action_tool")
    builder.add_edge(START, "router")
    builder.add_edge("ask_email", "await_email")
    builder.add_edge("await_email", "verify_email")
    builder.add_conditional_edges("supervisor", delegate, [*workers, END])
    for node in workers:
        builder.add_edge(node, "supervisor")
    return builder.compile(checkpointer=checkpointer, name=ROOT_RUN_NAME)


graph = build_graph()
