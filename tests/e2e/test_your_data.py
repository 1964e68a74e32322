"""A person's own data and the operators' announcements, end to end through the fake Bot API:
/mydata, /deleteme (no trace left), /announcements off, /broadcast."""

from __future__ import annotations

import json
from pathlib import Path

from handlers.telegram.common import SERVICES_KEY
from handlers.telegram.reminder_context import telegram_chat
from tests.conftest import ADMIN_ID, BOT_USERNAME, Coach
from tests.fakeapi.simulator import SimChat, SimUser

# Ids with digits no timestamp or counter in the data folder would contain by chance.
ANN = SimUser(7771234567, "Ann", "ann")
CHAT = SimChat.private(ANN)
OPERATOR = SimUser(ADMIN_ID, "Op", "op")
OPERATOR_CHAT = SimChat.private(OPERATOR)


def files_mentioning(data_dir: Path, needle: str) -> list[str]:
    return [
        str(path.relative_to(data_dir))
        for path in data_dir.rglob("*")
        if path.is_file() and needle in path.read_text(encoding="utf-8", errors="replace")
    ]


async def test_mydata_sends_everything_stored_as_a_json_document(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/remind 07:30 mon,wed America/Chicago")
    await coach.say(CHAT, ANN, "/done")
    await coach.say(CHAT, ANN, "/mydata")
    await coach.settle()
    [call] = coach.sim.calls_to("sendDocument")
    upload = call.params["document"]
    assert upload.filename == "medcoder-mydata.json"
    document = json.loads(upload.content.decode("utf-8"))
    assert document["chat"] == {"platform": "telegram", "id": ANN.id}
    assert document["profile"]["tz"] == "America/Chicago" and document["profile"]["studied"]
    [reminder] = document["reminders"]
    assert (reminder["hour"], reminder["minute"], reminder["days"]) == (7, 30, [0, 2])


async def test_deleteme_asks_then_leaves_no_trace_and_a_new_start_is_fresh(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/remind 07:30 daily UTC")
    service = coach.app.bot_data[SERVICES_KEY].reminders
    [listed] = await service.list(telegram_chat(ANN.id))
    assert service.dispatcher.next_due(listed.reminder.id) is not None
    await coach.say(CHAT, ANN, "/language es")
    await coach.say(CHAT, ANN, "/mydata")
    await coach.settle()
    assert files_mentioning(coach.data_dir, str(ANN.id))
    question = await coach.say(CHAT, ANN, "/deleteme")
    assert {"erase:yes", "erase:no"} <= set(question.button_data())
    await coach.press(CHAT, ANN, question, "erase:yes")
    await coach.sim.next_edit(CHAT.id, question.message_id)
    assert files_mentioning(coach.data_dir, str(ANN.id)) == []
    assert service.dispatcher.next_due(listed.reminder.id) is None
    again = await coach.say(CHAT, ANN, "/reminders")
    assert "no study reminders" in again.plain_text.lower()
    salary = await coach.say(CHAT, ANN, "/salary")
    assert "Medical coder salary" in salary.plain_text  # the Spanish choice went too


async def test_keep_deletes_nothing(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/remind 07:30 daily UTC")
    question = await coach.say(CHAT, ANN, "/deleteme")
    await coach.press(CHAT, ANN, question, "erase:no")
    await coach.sim.next_edit(CHAT.id, question.message_id)
    listing = await coach.say(CHAT, ANN, "/reminders")
    assert "07:30" in listing.plain_text


async def test_in_a_group_only_admins_export_or_delete(coach: Coach) -> None:
    group = SimChat.group(-1007771, "Coders", supergroup=True)
    member, admin = SimUser(7772, "Ben"), SimUser(7773, "Ada")
    coach.sim.set_member_status(group, admin, "administrator")
    coach.sim.send_text(group, member, f"/mydata@{BOT_USERNAME}")
    refused = await coach.sim.next_message(group.id)
    assert "admin" in refused.plain_text.lower()
    coach.sim.send_text(group, member, f"/deleteme@{BOT_USERNAME}")
    refused = await coach.sim.next_message(group.id)
    assert "admin" in refused.plain_text.lower() and not refused.button_data()
    assert coach.sim.calls_to("sendDocument") == []
    coach.sim.send_text(group, admin, f"/mydata@{BOT_USERNAME}")
    await coach.sim.next_message(group.id)
    await coach.settle()
    [call] = coach.sim.calls_to("sendDocument")
    exported = json.loads(call.params["document"].content.decode("utf-8"))
    assert exported["chat"] == {"platform": "telegram", "id": group.id}


async def test_a_broadcast_reaches_each_learner_once_except_those_who_opted_out(
    coach: Coach,
) -> None:
    learners = [SimUser(7780 + n, f"L{n}") for n in range(4)]
    for learner in learners:
        await coach.say(SimChat.private(learner), learner, "/start")
    await coach.say(SimChat.private(learners[1]), learners[1], "/announcements off")
    coach.sim.block(SimChat.private(learners[2]))
    preview = await coach.say(OPERATOR_CHAT, OPERATOR, "/broadcast Study group on Friday at 6")
    assert "3 learners" in preview.plain_text  # who sent /start: 0, 2 (blocked since) and 3
    send = next(data for data in preview.button_data() if data.startswith("bc:send:"))
    await coach.press(OPERATOR_CHAT, OPERATOR, preview, send)
    status = await coach.sim.next_edit(OPERATOR_CHAT.id, preview.message_id)
    while "Announcement sent" not in status.plain_text:  # edited in place until done
        status = await coach.sim.next_edit(OPERATOR_CHAT.id, preview.message_id)
    assert "2 delivered" in status.plain_text and "of 3" in status.plain_text
    announcements = coach.app.bot_data[SERVICES_KEY].announcements
    latest = await announcements.latest()
    done = await announcements.finished(latest.id)
    assert (done.sent, done.unreachable, done.total) == (2, 1, 3)
    for learner, expected in zip(learners, (1, 0, 0, 1), strict=True):
        got = [
            m for m in coach.sim.messages_to(learner.id) if "Study group on Friday" in m.plain_text
        ]
        assert len(got) == expected, learner
    stats = await coach.say(OPERATOR_CHAT, OPERATOR, "/stats")
    assert "2 sent" in stats.plain_text


async def test_only_operators_broadcast(coach: Coach) -> None:
    reply = await coach.say(CHAT, ANN, "/broadcast hello everyone")
    assert "operators" in reply.plain_text
    assert await coach.app.bot_data[SERVICES_KEY].announcements.latest() is None
