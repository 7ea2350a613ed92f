"""``techhub.deployment.Conversation`` against the real local agent server (``techhub up``).

The seed's conversations are played as a learner plays them in Studio: the verification question,
the answer (typo first), the follow-up; then the errors a learner can cause, each a
``DeploymentError`` that says what to do.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from techhub.agent.prompts import ASK_EMAIL, RETRY_EMAIL
from techhub.deployment import Conversation, DeploymentError, get_deployment_client

if TYPE_CHECKING:
    from conftest import TechhubInstance


@pytest.fixture(scope="module")
def client(techhub_services: TechhubInstance) -> Iterator[SyncLangGraphClient]:
    with pytest.MonkeyPatch.context() as patch:
        techhub_services.apply(patch)
        yield get_deployment_client()


def test_the_seed_frustrated_customer_is_asked_to_verify_and_the_typo_is_caught(client):
    chat = Conversation(client=client, metadata={"persona": "test-frustrated"})
    assert chat.assistant_name == "techhub-v1"

    assert chat.send("Where is my order?! It's been weeks!") == ASK_EMAIL
    assert chat.waiting_for_answer
    assert chat.send("sarah.chen@gamil.com") == RETRY_EMAIL  # the seed's typo: no such customer
    assert chat.waiting_for_answer
    answer = chat.send("sarah.chen@gmail.com")
    assert not chat.waiting_for_answer
    assert "ORD-2025-0047" in answer  # Sarah's shipped order
    follow_up = chat.send("This is ridiculous. I want a refund NOW!")
    assert follow_up and not chat.waiting_for_answer

    roles = [role for role, _ in chat.transcript]
    assert roles == ["user", "assistant"] * 4
    assert chat.transcript[1] == ("assistant", ASK_EMAIL)
    assert [t.is_question for t in chat.turns if t.role == "assistant"] == [True, True, False, False]
    assert len(chat.run_ids) == 4  # one run (one root trace) per message


def test_short_names_pick_the_assistant_and_v2_refuses_to_cancel(client):
    v1 = Conversation("v1", client=client)
    v2 = Conversation("v2", client=client)
    assert (v1.assistant_name, v2.assistant_name) == ("techhub-v1", "techhub-v2")
    request = (
        "I need to cancel order ORD-2025-0030 immediately. my email is gregory.harris@yahoo.com. "
        "make it happen fast."
    )
    assert "successfully initiated the cancellation" in v1.send(request)
    refusal = v2.send(request)
    assert "don't have the ability to cancel" in refusal and "support@techhub.com" in refusal


def test_a_conversation_can_be_picked_up_by_thread_id_while_it_waits(client):
    first = Conversation(client=client)
    first.send("what did I order last time?")
    again = Conversation(client=client, thread_id=first.thread_id)
    assert again.waiting_for_answer
    assert "ORD-2025-0118" in again.send("sarah.chen@gmail.com")  # resumes the interrupt


def test_metadata_reaches_the_thread(client):
    chat = Conversation(client=client, metadata={"persona": "metadata-check"})
    assert client.threads.get(chat.thread_id)["metadata"]["persona"] == "metadata-check"


def test_an_unknown_assistant_names_the_known_ones(client):
    with pytest.raises(DeploymentError, match=r"no assistant called 'v3'.*techhub-v1, techhub-v2"):
        Conversation("v3", client=client)


def test_an_empty_message_is_refused_before_anything_is_sent(client):
    chat = Conversation(client=client)
    with pytest.raises(DeploymentError, match="empty"):
        chat.send("   ")
    assert chat.turns == []


def test_a_run_that_fails_raises_with_the_reason(client):
    chat = Conversation(client=client, config={"configurable": {"version": "v9"}})
    with pytest.raises(DeploymentError, match=r"run failed: .*unknown agent version 'v9'"):
        chat.send("hello")


def test_a_server_that_is_down_says_to_run_techhub_up(monkeypatch):
    from techhub.localsmith.launcher import free_port

    down = get_sync_client(url=f"http://127.0.0.1:{free_port()}", api_key=None)
    with pytest.raises(DeploymentError, match=r"cannot reach the agent server .*`techhub up`"):
        Conversation(client=down)
    monkeypatch.setenv("TECHHUB_AGENT_PORT", str(free_port()))
    started = time.monotonic()
    with pytest.raises(DeploymentError, match="cannot reach"):
        Conversation()  # the course's own client says so without the SDK's ~10 s of retries
    assert time.monotonic() - started < 4


def test_a_thread_that_is_gone_says_to_start_again(client):
    with pytest.raises(DeploymentError, match="404.*start a new conversation"):
        Conversation(client=client, thread_id="00000000-0000-4000-8000-000000000000")
