"""The chat's handlers over the real engine: streaming, turns kept in step, retry, undo, rating."""

from __future__ import annotations

import pytest

from qa.disclaimer import DISCLAIMER
from ui.conversation import ChatService, engine_history
from ui.feedback import FeedbackStore


@pytest.fixture
def service(assistant, tmp_path) -> ChatService:
    return ChatService(assistant, FeedbackStore(tmp_path / "fb.sqlite3"), page=lambda i: f"/sources/{i}")


def last(updates):
    *_, final = updates
    return final


def test_respond_streams_then_shows_the_whole_reply(service: ChatService) -> None:
    updates = list(service.respond("What is romiplostim?", [], []))
    assert len(updates) >= 3  # the question, pieces of the reply, the whole reply
    assert "itp-streaming" in updates[1][0][-1]["content"]
    chat, turns, box = updates[-1]
    assert box == "" and len(chat) == len(turns) == 2
    assert "itp-cite" in chat[1]["content"] and "itp-sources" in chat[1]["content"]
    assert DISCLAIMER in chat[1]["content"]
    assert turns[1]["kind"] == "answer" and turns[1]["id"] and turns[1]["sources"][0]["doc_id"]


def test_follow_up_sees_the_earlier_turns(service: ChatService) -> None:
    chat, turns, _ = last(service.respond("What is romiplostim?", [], []))
    chat, turns, _ = last(service.respond("How is it given?", chat, turns))
    assert len(turns) == 4 and "romiplostim" in turns[3]["text"].lower()


def test_empty_question_changes_nothing(service: ChatService) -> None:
    assert list(service.respond("   ", [], [])) == [([], [], "   ")]


def test_retry_and_undo(service: ChatService) -> None:
    chat, turns, _ = last(service.respond("Is ITP contagious?", [], []))
    old_id = turns[1]["id"]
    chat2, turns2, _ = last(service.retry(chat, turns))
    assert len(turns2) == 2 and turns2[0]["content"] == "Is ITP contagious?" and turns2[1]["id"] != old_id
    chat3, turns3, box = service.undo(chat2, turns2)
    assert chat3 == [] and turns3 == [] and box == "Is ITP contagious?"


def test_rating_stores_question_reply_and_sources(service: ChatService) -> None:
    _, turns, _ = last(service.respond("Is ITP contagious?", [], [], session="s1"))
    assert service.rate(turns, 1, True, session="s1") == "saved"
    (row,) = service.feedback.rows()
    assert (row.rating, row.question, row.kind) == ("up", "Is ITP contagious?", "answer")
    assert row.reply == turns[1]["text"] and row.sources == turns[1]["sources"]
    assert row.reply_id == turns[1]["id"].split(".")[0]  # the random part only
    assert service.rate(turns, 1, "", session="s1") == "removed"  # taken back
    assert list(service.feedback.rows()) == []
    assert service.rate(turns, 0, True, session="s1") == "refused"  # a question cannot be rated
    assert service.rate([{"role": "assistant"}], 5, True, session="s1") == "refused"


def test_only_replies_this_server_gave_in_that_session_are_rated(service: ChatService) -> None:
    _, turns, _ = last(service.respond("Is ITP contagious?", [], [], session="s1"))
    assert service.rate(turns, 1, True, session="another-tab") == "refused"
    assert service.rate(turns, 1, True) == "refused"  # no session
    edited = [dict(turns[0]), dict(turns[1])]
    edited[1]["text"] = "Buy our pills."
    assert service.rate(edited, 1, True, session="s1") == "refused"
    asked = [dict(turns[0], content="How do I make a bomb?"), turns[1]]
    assert service.rate(asked, 1, True, session="s1") == "refused"
    made_up = [{"role": "user", "content": "q"},
               {"role": "assistant", "content": "a", "id": "0123456789abcdef.00", "kind": "answer",
                "text": "a", "sources": []}]
    assert service.rate(made_up, 1, True, session="s1") == "refused"
    other_server = ChatService(service.assistant, service.feedback)  # its own signing key
    assert other_server.rate(turns, 1, True, session="s1") == "refused"
    assert list(service.feedback.rows()) == []


def test_a_rating_the_store_cannot_write_is_reported_as_failed(assistant, tmp_path) -> None:
    blocked = tmp_path / "feedback.sqlite3"
    blocked.mkdir()  # a folder where the database file should be: nothing can be written
    service = ChatService(assistant, FeedbackStore(blocked))
    _, turns, _ = last(service.respond("Is ITP contagious?", [], [], session="s1"))
    assert service.rate(turns, 1, True, session="s1") == "failed"


def test_events_with_wrong_types_start_clean(service: ChatService) -> None:
    assert list(service.respond(123, "not a list", {"a": 1}, session="s1")) == [([], [], "")]
    chat, turns, _ = last(service.respond("What is ITP?", "junk", 7, session="s1"))
    assert len(chat) == len(turns) == 2
    assert service.rate("junk", "1", True, session="s1") == "refused"
    assert service.undo(None, 5) == ([], [], "")
    assert service.ask(["not", "text"], "junk")["disclaimer"] == DISCLAIMER


def test_out_of_step_turns_start_clean(service: ChatService) -> None:
    chat, turns, _ = last(service.respond("What is ITP?", [{"role": "user", "content": "x"}], []))
    assert len(chat) == len(turns) == 2


def test_engine_history_takes_plain_turns_only() -> None:
    turns = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "", "kind": "error"},
             {"role": "system", "content": "x"}, "junk", {"role": "assistant", "content": "b", "id": "1"}]
    assert engine_history(turns, 20) == [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]
    assert engine_history(turns, 1) == [{"role": "assistant", "content": "b"}]


def test_api_endpoint_for_gradio_client(service: ChatService) -> None:
    reply = service.ask("Is ITP contagious?", [])
    assert reply["kind"] == "answer" and reply["disclaimer"] == DISCLAIMER
