"""The button action codec: today's wire format, round trips, forged data, the 64-byte limit."""

from __future__ import annotations

import pytest

from bot.actions import (
    MAX_BYTES,
    Action,
    ActionTooLong,
    AnswerNudge,
    ConfirmStop,
    ManageReminder,
    MoveZone,
    RemindFlow,
    ResumeAfterBlock,
    SetProgress,
    ShowTopic,
    Unknown,
    decode,
    encode,
)

WIRE = [
    ("show:salary", ShowTopic("salary")),
    ("page:step:2", ShowTopic("step:2", replace=True)),
    ("show:cert:CPC", ShowTopic("cert:CPC")),
    ("rf:1930", RemindFlow(19, 30)),
    ("rf:0700:31", RemindFlow(7, 0, 31)),
    ("rf:1930:c0", RemindFlow(19, 30, 0, choosing=True)),
    ("rf:1930:c17", RemindFlow(19, 30, 17, choosing=True)),
    ("rf:1930:17:7", RemindFlow(19, 30, 17, zone=7)),
    ("rm:off:0a1b2c3d", ManageReminder("off", "0a1b2c3d")),
    ("rm:del:0a1b2c3d", ManageReminder("del", "0a1b2c3d")),
    ("stop:yes", ConfirmStop(True)),
    ("stop:no", ConfirmStop(False)),
    ("tz:move:America/Argentina/Buenos_Aires", MoveZone("America/Argentina/Buenos_Aires")),
    ("tz:keep", MoveZone(None)),
    ("back:on", ResumeAfterBlock()),
    ("pg:3", SetProgress(3)),
    ("pg:done", SetProgress(None)),
    ("ng:snooze", AnswerNudge("snooze")),
]


@pytest.mark.parametrize(("data", "action"), WIRE, ids=[data for data, _ in WIRE])
def test_the_wire_format_of_buttons_already_sent_decodes(data: str, action: Action) -> None:
    assert decode(data) == action
    assert encode(action) == data


@pytest.mark.parametrize(
    "data",
    [
        "",
        "show:",
        "show:Salary<b>",
        "rf:2530",
        "rf:1960",
        "rf:1930:0",
        "rf:1930:128",
        "rf:1930:c128",
        "rf:1930:c5:3",
        "rf:１９３０",
        "rm:pause:0a1b2c3d",
        "rm:off:0A1B2C3D",
        "stop:maybe",
        "tz:move:",
        "tz:move:Europe/London extra",
        "pg:0",
        "pg:²",
        "ng:later",
        "back:off",
        "show:" + "a" * 70,
    ],
)
def test_forged_or_stale_data_is_unknown(data: str) -> None:
    assert decode(data) == Unknown(data)


def test_an_action_over_the_limit_is_refused_when_encoded() -> None:
    with pytest.raises(ActionTooLong):
        encode(MoveZone("A" * MAX_BYTES))
