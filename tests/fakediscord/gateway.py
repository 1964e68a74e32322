"""The gateway websocket: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME, dispatch.

Close codes and opcodes: https://discord.com/developers/docs/topics/opcodes-and-status-codes
Transport compression: `compress=zlib-stream` (what discord.py asks for unless a zstd library is
installed) gets one shared zlib stream per connection, each payload ending in a sync flush.
"""

import json
import secrets
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakediscord.records import Records
from tests.fakediscord.world import GUILDS, World

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, RESUME, RECONNECT = 0, 1, 2, 3, 6, 7
REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 8, 9, 10, 11
PRIVILEGED_INTENTS = {
    1 << 1: "GUILD_MEMBERS",
    1 << 8: "GUILD_PRESENCES",
    1 << 15: "MESSAGE_CONTENT",
}
ALL_INTENTS = (1 << 26) - 1


@dataclass
class Session:
    """One identified gateway session; it outlives a socket so that RESUME can replay events."""

    id: str
    intents: int
    socket: web.WebSocketResponse | None = None
    compressor: Any = None
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def sequence(self) -> int:
        """The sequence number of the last dispatched event."""
        return len(self.events)


class Gateway:
    """Serve the gateway for one bot token; tests dispatch events through `dispatch`."""

    def __init__(self, world: World, records: Records, token: str) -> None:
        self.world = world
        self.records = records
        self.token = token
        self.heartbeat_interval_ms = 41_250
        self.privileged_allowed = 0  # privileged intents enabled in the developer portal
        self.url = ""  # set by the server once it listens
        self.sessions: dict[str, Session] = {}
        self.current: Session | None = None
        self.connections: list[dict[str, Any]] = []  # path, query and close code per socket

    async def serve(self, request: web.Request) -> web.WebSocketResponse:
        """Handle one websocket connection from the client."""
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        connection: dict[str, Any] = {"path": request.path, "query": dict(request.query)}
        self.connections.append(connection)
        compressor = self._compressor(request.query)
        if compressor is False:
            await socket.close(code=4000, message=b"Unsupported compression")
            return socket
        session: Session | None = None
        await self._send(
            socket,
            compressor,
            {"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}},
        )
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                await socket.close(code=4002, message=b"Error while decoding payload.")
                break
            payload = json.loads(message.data)
            self.records.add(self.records.gateway_received, _redacted(payload))
            session = await self._handle(socket, compressor, session, payload)
        connection["close_code"] = socket.close_code
        if session is not None and session.socket is socket:
            session.socket = None
            if socket.close_code in (1000, 1001):
                self.sessions.pop(session.id, None)  # a clean close ends the session
        self.records.changes.notify_all()
        return socket

    async def dispatch(self, event: str, data: dict[str, Any]) -> int:
        """Send event `event` on the current session (or keep it for a RESUME); its sequence."""
        session = self.current
        if session is None:
            raise RuntimeError("no gateway session: the client has not identified")
        sequence = session.sequence + 1
        payload: dict[str, Any] = {"op": DISPATCH, "t": event, "s": sequence, "d": data}
        session.events.append(payload)
        if session.socket is not None and not session.socket.closed:
            try:
                await self._send(session.socket, session.compressor, payload)
            except ConnectionResetError:
                session.socket = None  # the event stays in the log for a RESUME
        return sequence

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT; later events wait for the client's RESUME."""
        session = self.current
        if session is None or session.socket is None:
            raise RuntimeError("no connected gateway session")
        socket, session.socket = session.socket, None
        await self._send(socket, session.compressor, {"op": RECONNECT, "d": None})

    async def close_all(self) -> None:
        """Close every open socket (server shutdown)."""
        for session in list(self.sessions.values()):
            if session.socket is not None and not session.socket.closed:
                await session.socket.close(code=1001)

    async def _handle(
        self,
        socket: web.WebSocketResponse,
        compressor: Any,
        session: Session | None,
        payload: dict[str, Any],
    ) -> Session | None:
        op = payload.get("op")
        if op == HEARTBEAT:
            await self._send(socket, compressor, {"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            if session is not None:
                await self._refuse(socket, 4005, "Already authenticated.")
                return session
            return await self._identify(socket, compressor, payload.get("d") or {})
        elif op == RESUME:
            return await self._resume(socket, compressor, payload.get("d") or {})
        elif session is None:
            await self._refuse(socket, 4003, "Not authenticated.")
        elif op not in (PRESENCE, REQUEST_MEMBERS):
            await self._refuse(socket, 4001, "Unknown opcode.")
        return session

    async def _identify(
        self, socket: web.WebSocketResponse, compressor: Any, data: dict[str, Any]
    ) -> Session | None:
        if data.get("token") != self.token:
            await self._refuse(socket, 4004, "Authentication failed.")
            return None
        intents = data.get("intents")
        if not isinstance(intents, int) or intents & ~ALL_INTENTS:
            await self._refuse(socket, 4013, "Invalid intent(s).")
            return None
        disallowed = [
            name
            for bit, name in PRIVILEGED_INTENTS.items()
            if intents & bit and not self.privileged_allowed & bit
        ]
        if disallowed:
            await self._refuse(socket, 4014, f"Disallowed intent(s): {', '.join(disallowed)}.")
            return None
        session = Session(secrets.token_hex(16), intents, socket, compressor)
        self.sessions[session.id] = session
        self.current = session
        await self.dispatch("READY", self._ready(session))
        if intents & GUILDS:
            for guild in self.world.guilds.values():
                if guild.id in self.world.left_guilds:
                    continue
                await self.dispatch("GUILD_CREATE", guild.payload(self.world.bot.id))
        return session

    async def _resume(
        self, socket: web.WebSocketResponse, compressor: Any, data: dict[str, Any]
    ) -> Session | None:
        session = self.sessions.get(str(data.get("session_id")))
        if data.get("token") != self.token:
            await self._refuse(socket, 4004, "Authentication failed.")
            return None
        if (
            session is None
            or not isinstance(data.get("seq"), int)
            or data["seq"] > session.sequence
        ):
            await self._send(socket, compressor, {"op": INVALID_SESSION, "d": False})
            return None
        session.socket, session.compressor = socket, compressor
        self.current = session
        for event in session.events[data["seq"] :]:
            await self._send(socket, compressor, event)
        await self.dispatch("RESUMED", {})
        return session

    def _ready(self, session: Session) -> dict[str, Any]:
        return {
            "v": 10,
            "user": {**self.world.bot.payload(), "verified": True, "mfa_enabled": False},
            "guilds": [
                {"id": str(guild_id), "unavailable": True}
                for guild_id in self.world.guilds
                if guild_id not in self.world.left_guilds
            ],
            "session_id": session.id,
            "resume_gateway_url": f"{self.url}/resume",
            "shard": [0, 1],
            "application": {"id": str(self.world.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "user_settings": {},
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "_trace": ["fake-discord"],
        }

    def _compressor(self, query: Any) -> Any:
        """A zlib stream for `compress=zlib-stream`, None for none, False if unsupported."""
        if query.get("v") != "10" or query.get("encoding", "json") != "json":
            self.records.violate(
                "gateway", f"unsupported query {dict(query)}: want v=10, encoding=json"
            )
            return False
        compress = query.get("compress")
        if compress is None:
            return None
        if compress == "zlib-stream":
            return zlib.compressobj()
        self.records.violate("gateway", f"compress={compress} is not modelled (zlib-stream is)")
        return False

    async def _refuse(self, socket: web.WebSocketResponse, code: int, reason: str) -> None:
        self.records.violate("gateway", f"closed with {code}: {reason}")
        await socket.close(code=code, message=reason.encode())

    @staticmethod
    async def _send(
        socket: web.WebSocketResponse, compressor: Any, payload: dict[str, Any]
    ) -> None:
        payload.setdefault("s", None)
        payload.setdefault("t", None)
        payload.setdefault("d", None)
        text = json.dumps(payload)
        if compressor is None:
            await socket.send_str(text)
        else:
            await socket.send_bytes(
                compressor.compress(text.encode()) + compressor.flush(zlib.Z_SYNC_FLUSH)
            )


def _redacted(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload without its token, as kept in the records."""
    data = payload.get("d")
    if isinstance(data, dict) and "token" in data:
        return {**payload, "d": {**data, "token": "<redacted>"}}
    return payload
