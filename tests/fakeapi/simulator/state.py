"""BotApiSimulator: answers Bot API calls like Telegram and lets tests inject updates.

A test (or a benchmark) injects what users do with `send_text`, `press_button`,
`inline_query` and `my_chat_member`; the bot fetches those updates with getUpdates (or, once
it called setWebhook, they are POSTed to its URL: see `webhook`) and answers through `handle`;
the test then awaits `next_message`, `next_edit`, `next_callback_answer` or
`next_inline_answer`, or reads the records (`sent`, `edits`, `calls`).
"""

import asyncio
import copy
import json
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from tests.fakeapi.simulator.checks import (
    check_commands,
    check_inline_results,
    check_length,
    check_reply_markup,
    render_text,
    require_int,
)
from tests.fakeapi.simulator.controls import SimulatorControls
from tests.fakeapi.simulator.errors import ApiError, bad_request, not_found, too_many_requests
from tests.fakeapi.simulator.members import ADMIN_STATUSES, chat_full_info, member_dict
from tests.fakeapi.simulator.models import (
    CallbackAnswer,
    InlineAnswer,
    RateLimits,
    SentMessage,
    SimChat,
    SimUser,
)
from tests.fakeapi.simulator.webhook import Webhook, WebhookDelivery
from tests.fakeapi.spec import UploadedFile

Params = dict[str, Any]
SENDING_METHODS = frozenset(
    {"sendMessage", "sendDocument", "editMessageText", "editMessageReplyMarkup"}
)
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # Telegram's limit for a bot's upload
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


class BotApiSimulator(SimulatorControls):
    """An in-memory Telegram Bot API: strict answers, long polling, records and fault injection."""

    def __init__(
        self,
        bot_id: int = 7_000_000_001,
        bot_username: str = "MedCoderCoachBot",
        bot_name: str = "MedCoder Coach",
        *,
        limits: RateLimits | None = None,
    ) -> None:
        super().__init__(SimUser(bot_id, bot_name, bot_username, is_bot=True), limits)
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._descriptions: dict[str, str] = {}
        self._short_descriptions: dict[str, str] = {}
        self._poll_generation = 0
        self.waiting_pollers = 0
        self.webhook = WebhookDelivery(self.updates, self._changes)
        implementations: dict[str, Callable[[Params], Awaitable[Any]]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": self._set_my_description,
            "getMyDescription": self._get_my_description,
            "setMyShortDescription": self._set_my_short_description,
            "getMyShortDescription": self._get_my_short_description,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "sendChatAction": self._send_chat_action,
            "close": self._always_true,
            "logOut": self._always_true,
        }
        self._methods = {name.lower(): (name, impl) for name, impl in implementations.items()}

    async def close(self) -> None:
        """Stop webhook delivery and close its HTTP client (the server calls this on stop)."""
        await self.webhook.close()

    def supports(self, method: str) -> bool:
        """Whether the simulator implements `method` (others answer 404 like unknown ones)."""
        return method.lower() in self._methods

    # ---- the Bot API entry point -------------------------------------------------------

    async def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call: (HTTP status, JSON body) exactly as Telegram would."""
        entry = self._methods.get(method.lower())
        if entry is None:
            return self._finish(method, params, not_found())
        name, implementation = entry
        delay = self.faults.take_delay(name)
        if delay:
            await asyncio.sleep(delay)
        try:
            fault = self.faults.take_fault(name, params)
            if fault is not None:
                raise fault
            rate_key = self._rate_key(name, params)
            if rate_key is not None:
                retry_after = self.rate.retry_after(*rate_key)
                if retry_after is not None:
                    raise too_many_requests(retry_after)
            result = await implementation(params)
        except ApiError as error:
            return self._finish(name, params, error)
        if rate_key is not None:
            self.rate.record_send(*rate_key)
        return self._finish(name, params, result)

    def _finish(self, method: str, params: Params, outcome: Any) -> tuple[int, dict[str, Any]]:
        if isinstance(outcome, ApiError):
            status, body = outcome.status, outcome.body()
        else:
            status, body = 200, {"ok": True, "result": outcome}
        self.record_call(method, params, status, body)
        return status, body

    def _rate_key(self, method: str, params: Params) -> tuple[int | None, bool] | None:
        if method not in SENDING_METHODS:
            return None
        with suppress(ApiError):
            chat = self.world.resolve_chat(params.get("chat_id"))
            return chat.id, chat.is_group
        return None, False

    # ---- updates and webhook -------------------------------------------------------------

    async def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        if self.webhook.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        if params.get("offset") is not None:
            self.updates.confirm(require_int(params, "offset"))
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if params.get("allowed_updates") is not None:
            self.updates.set_allowed(list(params["allowed_updates"]))
        self._poll_generation += 1
        generation = self._poll_generation
        self._changes.notify_all()
        if timeout and not self.updates.has_pending():
            self.waiting_pollers += 1
            self._changes.notify_all()
            try:
                await self._changes.wait_for(
                    lambda: (
                        self.updates.has_pending()
                        or self._poll_generation != generation
                        or self.webhook.webhook is not None
                    ),
                    timeout,
                )
            except TimeoutError:
                pass
            finally:
                self.waiting_pollers -= 1
            if self._poll_generation != generation:
                raise ApiError(409, CONFLICT)
            if self.webhook.webhook is not None:
                raise ApiError(409, WEBHOOK_CONFLICT)
        return copy.deepcopy(self.updates.peek(limit))

    async def _set_webhook(self, params: Params) -> bool:
        if params.get("url") == "":  # Telegram: an empty URL removes the webhook
            return await self._delete_webhook(params)
        webhook = Webhook.from_params(params)
        if params.get("drop_pending_updates"):
            self.updates.drop_all()
        if webhook.allowed_updates is not None:
            self.updates.set_allowed(list(webhook.allowed_updates))
        self.webhook.activate(webhook)
        return True

    async def _delete_webhook(self, params: Params) -> bool:
        if params.get("drop_pending_updates"):
            self.updates.drop_all()
        self.webhook.deactivate()
        return True

    async def _get_webhook_info(self, params: Params) -> dict[str, Any]:
        return self.webhook.info()

    async def _always_true(self, params: Params) -> bool:
        return True

    # ---- bot profile ---------------------------------------------------------------------

    async def _get_me(self, params: Params) -> dict[str, Any]:
        return {
            **self.bot.to_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _commands_key(self, params: Params) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        if "chat_id" in scope:
            scope = {**scope, "chat_id": self.world.resolve_chat(scope["chat_id"]).id}
        return json.dumps(scope, sort_keys=True), params.get("language_code") or ""

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict]:
        """The commands set for `scope` (default scope if None) and language, for assertions."""
        key = self._commands_key({"scope": scope, "language_code": language_code})
        return copy.deepcopy(self._commands.get(key, []))

    async def _set_my_commands(self, params: Params) -> bool:
        self._commands[self._commands_key(params)] = check_commands(params.get("commands"))
        return True

    async def _get_my_commands(self, params: Params) -> list[dict[str, str]]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: Params) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    async def _set_my_description(self, params: Params) -> bool:
        text = check_length(params.get("description"), "description", 512)
        self._descriptions[params.get("language_code") or ""] = text
        return True

    async def _get_my_description(self, params: Params) -> dict[str, str]:
        return {"description": self._descriptions.get(params.get("language_code") or "", "")}

    async def _set_my_short_description(self, params: Params) -> bool:
        text = check_length(params.get("short_description"), "short_description", 120)
        self._short_descriptions[params.get("language_code") or ""] = text
        return True

    async def _get_my_short_description(self, params: Params) -> dict[str, str]:
        language = params.get("language_code") or ""
        return {"short_description": self._short_descriptions.get(language, "")}

    # ---- messages ------------------------------------------------------------------------

    async def _send_message(self, params: Params) -> dict[str, Any]:
        chat = self.world.writable_chat(params.get("chat_id"))
        parsed = render_text(params.get("text"), params.get("parse_mode"), params.get("entities"))
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        reply_to = self._reply_target(chat, params.get("reply_parameters"))
        thread_id = params.get("message_thread_id")
        if thread_id is not None:
            thread_id = self.world.check_topic(chat, thread_id)
        elif reply_to is not None and reply_to.get("is_topic_message"):
            thread_id = reply_to.get("message_thread_id")  # a reply stays in its topic
        message = self.world.store_message(
            chat,
            self.bot,
            parsed.text,
            entities=parsed.entities,
            reply_markup=markup,
            reply_to=reply_to,
            thread_id=thread_id,
        )
        self.sent.append(
            SentMessage(
                chat_id=chat.id,
                message_id=message["message_id"],
                text=params["text"],
                plain_text=parsed.text,
                parse_mode=params.get("parse_mode"),
                entities=parsed.entities,
                reply_markup=copy.deepcopy(markup),
                reply_to_message_id=reply_to["message_id"] if reply_to else None,
                message_thread_id=thread_id,
            )
        )
        return copy.deepcopy(message)

    async def _send_document(self, params: Params) -> dict[str, Any]:
        chat = self.world.writable_chat(params.get("chat_id"))
        upload = params.get("document")
        if isinstance(upload, str):
            raise bad_request("wrong file identifier/HTTP URL specified")
        if not isinstance(upload, UploadedFile) or not upload.content:
            raise bad_request("file must be non-empty")
        if len(upload.content) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        reply_to = self._reply_target(chat, params.get("reply_parameters"))
        document = {
            "file_id": f"doc-{len(self.sent) + 1}",
            "file_unique_id": f"u-doc-{len(self.sent) + 1}",
            "file_name": upload.filename or "document",
            "file_size": len(upload.content),
        }
        message = self.world.store_service_message(chat, self.bot, {"document": document})
        if reply_to is not None:
            message["reply_to_message"] = copy.deepcopy(reply_to)
        return copy.deepcopy(message)

    def _reply_target(self, chat: SimChat, reply: Any) -> dict[str, Any] | None:
        if reply is None:
            return None
        if not isinstance(reply, dict):
            raise bad_request("can't parse reply parameters JSON object")
        target_chat = chat
        if reply.get("chat_id") is not None:
            target_chat = self.world.resolve_chat(reply["chat_id"])
        target = self.world.message(target_chat.id, require_int(reply, "message_id"))
        if target is None and not reply.get("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")
        return target

    def _editable_message(self, params: Params) -> tuple[SimChat, dict[str, Any]]:
        if params.get("inline_message_id") is not None:
            raise bad_request("MESSAGE_ID_INVALID")
        if params.get("chat_id") is None or params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        chat = self.world.writable_chat(params["chat_id"])
        message = self.world.message(chat.id, require_int(params, "message_id"))
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot.id:
            raise bad_request("message can't be edited")
        return chat, message

    async def _edit_message_text(self, params: Params) -> dict[str, Any]:
        chat, message = self._editable_message(params)
        parsed = render_text(params.get("text"), params.get("parse_mode"), params.get("entities"))
        markup = params.get("reply_markup")
        check_reply_markup(markup, inline_only=True)
        self._apply_edit(message, parsed.text, parsed.entities, markup)
        self._record_edit(chat, message, params.get("text", ""), params.get("parse_mode"))
        return copy.deepcopy(message)

    async def _edit_message_reply_markup(self, params: Params) -> dict[str, Any]:
        chat, message = self._editable_message(params)
        markup = params.get("reply_markup")
        check_reply_markup(markup, inline_only=True)
        self._apply_edit(message, message["text"], message.get("entities", []), markup)
        self._record_edit(chat, message, None, None, method="editMessageReplyMarkup")
        return copy.deepcopy(message)

    def _apply_edit(
        self,
        message: dict[str, Any],
        text: str,
        entities: list[dict[str, Any]],
        markup: dict[str, Any] | None,
    ) -> None:
        # Like Telegram, an edit without reply_markup removes the inline keyboard.
        new_markup = markup if markup and markup.get("inline_keyboard") else None
        if (
            text == message["text"]
            and entities == message.get("entities", [])
            and new_markup == message.get("reply_markup")
        ):
            raise bad_request(NOT_MODIFIED)
        message["text"] = text
        message.pop("entities", None)
        if entities:
            message["entities"] = copy.deepcopy(entities)
        message.pop("reply_markup", None)
        if new_markup:
            message["reply_markup"] = copy.deepcopy(new_markup)
        message["edit_date"] = int(time.time())

    def _record_edit(
        self,
        chat: SimChat,
        message: dict[str, Any],
        raw_text: str | None,
        parse_mode: str | None,
        *,
        method: str = "editMessageText",
    ) -> None:
        reply_to = message.get("reply_to_message")
        self.edits.append(
            SentMessage(
                chat_id=chat.id,
                message_id=message["message_id"],
                text=raw_text if raw_text is not None else message["text"],
                plain_text=message["text"],
                parse_mode=parse_mode,
                entities=copy.deepcopy(message.get("entities", [])),
                reply_markup=copy.deepcopy(message.get("reply_markup")),
                reply_to_message_id=reply_to["message_id"] if reply_to else None,
                method=method,
                message_thread_id=message.get("message_thread_id"),
            )
        )

    async def _delete_message(self, params: Params) -> bool:
        chat = self.world.writable_chat(params.get("chat_id"))
        message_id = require_int(params, "message_id")
        message = self.world.message(chat.id, message_id)
        if message is None:
            raise bad_request("message to delete not found")
        own = message["from"]["id"] == self.bot.id
        bot_is_admin = self.world.status(chat, self.bot.id) in ADMIN_STATUSES
        if chat.is_group and not own and not bot_is_admin:
            raise bad_request("message can't be deleted")
        del self.world.messages[(chat.id, message_id)]
        self.deleted.append((chat.id, message_id))
        return True

    async def _send_chat_action(self, params: Params) -> bool:
        chat = self.world.writable_chat(params.get("chat_id"))
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.chat_actions.append((chat.id, params["action"]))
        return True

    # ---- queries -------------------------------------------------------------------------

    async def _answer_callback_query(self, params: Params) -> bool:
        query = self._open_callback_queries.pop(str(params.get("callback_query_id")), None)
        if query is None:
            raise bad_request(QUERY_TOO_OLD)
        message = query.get("message") or {}
        self.callback_answers.append(
            CallbackAnswer(
                callback_query_id=query["id"],
                text=params.get("text"),
                show_alert=bool(params.get("show_alert")),
                url=params.get("url"),
                chat_id=message.get("chat", {}).get("id"),
                message_id=message.get("message_id"),
                data=query.get("data"),
            )
        )
        return True

    async def _answer_inline_query(self, params: Params) -> bool:
        query_id = str(params.get("inline_query_id"))
        if query_id not in self._open_inline_queries:
            raise bad_request(QUERY_TOO_OLD)
        results = check_inline_results(params.get("results"))
        self._open_inline_queries.discard(query_id)
        self.inline_answers.append(
            InlineAnswer(
                inline_query_id=query_id,
                results=copy.deepcopy(results),
                cache_time=params.get("cache_time"),
                is_personal=bool(params.get("is_personal")),
                next_offset=params.get("next_offset"),
                button=copy.deepcopy(params.get("button")),
            )
        )
        return True

    # ---- chats and members ---------------------------------------------------------------

    async def _get_chat(self, params: Params) -> dict[str, Any]:
        return chat_full_info(self.world.resolve_chat(params.get("chat_id")))

    async def _get_chat_member(self, params: Params) -> dict[str, Any]:
        chat = self.world.resolve_chat(params.get("chat_id"))
        user_id = require_int(params, "user_id")
        status = self.world.status(chat, user_id)
        if status is None:
            raise bad_request("user not found")
        return member_dict(self.world.users[user_id].to_dict(), status)

    async def _get_chat_administrators(self, params: Params) -> list[dict[str, Any]]:
        chat = self.world.resolve_chat(params.get("chat_id"))
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        return [
            member_dict(self.world.users[user_id].to_dict(), status)
            for (chat_id, user_id), status in self.world.statuses.items()
            if chat_id == chat.id and status in ADMIN_STATUSES
        ]
