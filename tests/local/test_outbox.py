"""The outbox: filters, latest, subscribers, clear, thread safety."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from engine.local import LocalAWS, outbox
from engine.local.outbox import OUTBOX, Message, Outbox
from engine.local.server import LocalServer


def message(username: str, kind: str = "SignUp", pool: str = "pool-1", code: str | None = "123456") -> Message:
    return Message(
        user_pool_id=pool,
        username=username,
        recipient=f"{username}@example.com",
        kind=kind,
        code=code,
        text=f"Your verification code is {code}. ",
        time=datetime.now(UTC),
    )


def test_filters_and_latest() -> None:
    box = Outbox()
    box.record(message("ann", code="111111"))
    box.record(message("bob", kind="ForgotPassword", pool="pool-2"))
    box.record(message("ann", kind="ResendCode", code="222222"))
    assert [m.username for m in box.messages()] == ["ann", "bob", "ann"]
    assert [m.code for m in box.messages(username="ann")] == ["111111", "222222"]
    assert box.messages(user_pool_id="pool-2", kind="ForgotPassword")[0].username == "bob"
    assert box.latest(username="ann").code == "222222"  # type: ignore[union-attr]
    assert box.latest(username="ann", kind="SignUp").code == "111111"  # type: ignore[union-attr]
    assert box.latest(username="nobody") is None


def test_an_outbox_keeps_the_newest_messages(monkeypatch) -> None:
    monkeypatch.setattr(outbox, "MAX_MESSAGES", 3)
    box = Outbox()
    for n in range(5):
        box.record(message(f"user{n}"))
    assert [m.username for m in box.messages()] == ["user2", "user3", "user4"]  # the two oldest went
    assert box.latest().username == "user4" and box.latest(username="user0") is None  # type: ignore[union-attr]


def test_subscribe_and_unsubscribe() -> None:
    box = Outbox()
    seen: list[Message] = []
    unsubscribe = box.subscribe(seen.append)
    box.record(message("ann"))
    unsubscribe()
    unsubscribe()  # twice is harmless
    box.record(message("bob"))
    assert [m.username for m in seen] == ["ann"]


def test_a_subscriber_may_read_the_outbox() -> None:
    box = Outbox()
    counts: list[int] = []
    box.subscribe(lambda _: counts.append(len(box.messages())))
    box.record(message("ann"))
    assert counts == [1]


def test_clear_keeps_subscribers() -> None:
    box = Outbox()
    seen: list[Message] = []
    box.subscribe(seen.append)
    box.record(message("ann"))
    box.clear()
    assert box.messages() == []
    box.record(message("bob"))
    assert len(seen) == 2


def test_concurrent_recording() -> None:
    box = Outbox()

    def record(index: int) -> None:
        for n in range(50):
            box.record(message(f"user{index}", code=f"{n:06d}"))

    threads = [threading.Thread(target=record, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(box.messages()) == 400
    assert [m.code for m in box.messages(username="user3")] == [f"{n:06d}" for n in range(50)]


def test_one_outbox_per_process() -> None:
    local, server = LocalAWS(), LocalServer()
    assert local.outbox is server.outbox is OUTBOX


def test_message_json() -> None:
    found = message("ann").to_json()
    assert found["username"] == "ann" and found["code"] == "123456" and found["medium"] == "EMAIL"
    assert datetime.fromisoformat(found["time"]).tzinfo is not None
