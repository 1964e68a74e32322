"""The chat-ordered update processor: chats side by side, one chat's updates in order."""

from __future__ import annotations

import asyncio

from telegram import Chat, Message, Update, User

from handlers.telegram.update_processor import ChatOrderedUpdateProcessor, ordering_key

ANN = User(1, "Ann", is_bot=False)


def message_update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE if chat_id > 0 else Chat.SUPERGROUP)
    return Update(update_id, message=Message(update_id, None, chat, from_user=ANN))  # type: ignore[arg-type]


async def test_a_held_chat_does_not_hold_another_chat() -> None:
    processor = ChatOrderedUpdateProcessor(max_running=4)
    release = asyncio.Event()
    done: list[int] = []

    async def work(update_id: int, wait: asyncio.Event | None = None) -> None:
        if wait is not None:
            await wait.wait()
        done.append(update_id)

    held = asyncio.create_task(processor.process_update(message_update(1, -5), work(1, release)))
    free = asyncio.create_task(processor.process_update(message_update(2, 7), work(2)))
    await free
    assert done == [2]
    release.set()
    await held
    assert done == [2, 1]


async def test_one_chats_updates_run_in_arrival_order() -> None:
    processor = ChatOrderedUpdateProcessor(max_running=4)
    release = asyncio.Event()
    done: list[int] = []

    async def work(update_id: int, wait: asyncio.Event | None = None) -> None:
        if wait is not None:
            await wait.wait()
        done.append(update_id)

    first = asyncio.create_task(processor.process_update(message_update(1, 7), work(1, release)))
    second = asyncio.create_task(processor.process_update(message_update(2, 7), work(2)))
    idle = asyncio.create_task(processor.join())
    await asyncio.sleep(0)
    assert done == [] and not idle.done()
    release.set()
    await asyncio.gather(first, second, idle)
    assert done == [1, 2]


async def test_a_chat_waiting_its_turn_takes_no_running_slot() -> None:
    processor = ChatOrderedUpdateProcessor(max_running=2)
    release = asyncio.Event()
    done: list[int] = []

    async def work(update_id: int, wait: asyncio.Event | None = None) -> None:
        if wait is not None:
            await wait.wait()
        done.append(update_id)

    group = [
        asyncio.create_task(processor.process_update(message_update(i, -5), work(i, release)))
        for i in (1, 2, 3)
    ]
    # The first group update holds one slot; the two behind it wait for it, not for a slot.
    await processor.process_update(message_update(4, 7), work(4))
    assert done == [4]
    release.set()
    await asyncio.gather(*group)
    assert done == [4, 1, 2, 3]


def test_inline_updates_are_ordered_by_their_user() -> None:
    assert ordering_key(Update(1)) is None
    assert ordering_key(message_update(2, -5)) == -5
    assert ordering_key("not an update") is None
