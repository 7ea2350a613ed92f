"""``OfflineChatModel``: a deterministic LangChain chat model that needs no network.

It is not an LLM. It reads what a real model would read (the system prompt, the bound tools and
the conversation) and answers with tool calls and text from a fixed policy:

* bound ``transfer_to_*`` tools: it is the supervisor (:mod:`.supervisor`);
* ``run_sql_query``: the SQL agent; ``search_documents``: the docs agent (:mod:`.specialists`);
* a single schema under ``with_structured_output``: a registered handler (:mod:`.structured`):
  the router, the sentiment and correctness judges;
* no tools: a plain support reply.

``usage_metadata`` is approximate: about four characters per token, counted over the prompt (tools
included) and the answer. It is there so cost tracking has realistic orders of magnitude; it is not
what OpenAI would bill.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool

from techhub.models.offline.conversation import parse_turn
from techhub.models.offline.specialists import docs_agent, sql_agent
from techhub.models.offline.structured import find_structured_handler
from techhub.models.offline.supervisor import DOCS_TOOL, SQL_TOOL, supervisor


def approximate_tokens(text: str) -> int:
    """About four characters per token (OpenAI's rule of thumb for English)."""
    return max(1, (len(text) + 3) // 4)


class OfflineChatModel(BaseChatModel):
    """A deterministic stand-in for ``ChatOpenAI``. ``model_name`` is the model it stands in for."""

    model_name: str = "gpt-4o-mini"

    @property
    def _llm_type(self) -> str:
        return "techhub-offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> dict:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "techhub-offline"
        params["ls_model_name"] = self.model_name
        return params

    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: str | dict | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        formatted = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    def _respond(self, messages: list[BaseMessage], tools: list[dict]) -> AIMessage:
        names = {t.get("function", {}).get("name") for t in tools}
        if len(tools) == 1:
            handler = find_structured_handler(tools[0])
            if handler is not None:
                args = handler.answer(messages, tools[0])
                return self._tool_call_message(tools[0]["function"]["name"], args)
        turn = parse_turn(messages)
        if SQL_TOOL in names or DOCS_TOOL in names:
            handoffs = (SQL_TOOL, DOCS_TOOL)
            actions = [t["function"] for t in tools if t.get("function", {}).get("name") not in handoffs]
            decision = supervisor(turn, actions)
        elif "run_sql_query" in names:
            decision = sql_agent(turn)
        elif "search_documents" in names:
            decision = docs_agent(turn)
        else:
            decision = supervisor(turn)
            if isinstance(decision, tuple):
                decision = "I'm TechHub's offline support model. How can I help you today?"
        if isinstance(decision, tuple):
            return self._tool_call_message(*decision)
        return AIMessage(content=decision, id=f"lc_run-{uuid.uuid4()}")

    @staticmethod
    def _tool_call_message(name: str, args: dict) -> AIMessage:
        return AIMessage(
            content="",
            tool_calls=[
                {"name": name, "args": args, "id": f"call_{uuid.uuid4().hex[:24]}", "type": "tool_call"}
            ],
            id=f"lc_run-{uuid.uuid4()}",
        )

    def _usage(self, messages: list[BaseMessage], tools: list[dict], answer: AIMessage) -> dict:
        prompt = "".join(m.text for m in messages) + json.dumps(tools)
        output = answer.text + json.dumps([c["args"] for c in answer.tool_calls])
        input_tokens, output_tokens = approximate_tokens(prompt), approximate_tokens(output)
        return {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        }

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        tools = kwargs.get("tools") or []
        message = self._respond(messages, tools)
        message.usage_metadata = self._usage(messages, tools, message)
        message.response_metadata = {
            "model_name": self.model_name,
            "finish_reason": "tool_calls" if message.tool_calls else "stop",
            "model_provider": "techhub-offline",
        }
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._generate(messages, stop=stop, **kwargs).generations[0].message
        if message.tool_calls:
            chunks = [
                AIMessageChunk(
                    content="",
                    id=message.id,
                    tool_call_chunks=[
                        tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=i)
                        for i, c in enumerate(message.tool_calls)
                    ],
                )
            ]
        else:
            words = message.text.split(" ")
            chunks = [
                AIMessageChunk(content=w + (" " if i < len(words) - 1 else ""), id=message.id)
                for i, w in enumerate(words)
            ]
        chunks[-1].usage_metadata = message.usage_metadata
        chunks[-1].response_metadata = message.response_metadata
        for chunk in chunks:
            if run_manager and chunk.content:
                run_manager.on_llm_new_token(str(chunk.content), chunk=ChatGenerationChunk(message=chunk))
            yield ChatGenerationChunk(message=chunk)
