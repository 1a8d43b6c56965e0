"""One websocket frame for every recipient of a broadcast: the realtime processes' per-recipient path.

python-socketio (5.18) encodes a broadcast's Socket.IO packet once, then puts it on each recipient's Engine.IO
queue; a writer greenlet per connection wakes up, encodes the Engine.IO packet, builds a websocket frame (UTF-8 and
header) and writes it with gevent's ``sendall``, which first asks the kernel for the send buffer's size, and
Engine.IO logs each send. py-spy at 1,000 members (``tests/perf/profile_fanout.py``): 40-60 us of CPU per
recipient, 70 % in the writer greenlets, most of the rest in the hub switching to them.

Here a broadcast without a callback (every emit of ``cmc.realtime.notify``) builds the frame once and writes the
same bytes to each recipient's socket from the emitting greenlet, one non-blocking ``send``, whenever nothing could
come between: the connection is an open websocket (upgraded, not upgrading, not closing), its queue is empty, and
its writer is not in the middle of a frame. Otherwise, and for what the kernel does not take at once, the packet
(or the rest of the frame) goes through the connection's queue exactly as before. So the recipients (the room's
participants on this process, ``skip_sid``), the order of packets on each connection, the ping-timeout check and
what happens on a broken connection (the writer meets the error and closes it) are python-socketio's own.
"""

from __future__ import annotations

import time
from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet
from socketio.manager import Manager


def websocket_frame(text: str) -> bytes:
    """The bytes gevent-websocket writes for the text message ``text`` (a server's frames are not masked)."""
    from geventwebsocket.websocket import Header, WebSocket

    payload = text.encode("utf-8")
    return bytes(Header.encode_header(True, WebSocket.OPCODE_TEXT, b"", len(payload), 0)) + payload


class RawFrame(bytes):
    """Bytes already framed for the websocket: the rest of a frame the kernel took only part of."""


class RawFramePacket:
    """Queued like an Engine.IO packet; the writer passes ``encode()``, a :class:`RawFrame`, to the websocket."""

    packet_type = eio_packet.MESSAGE
    data = "<rest of a frame>"
    binary = False

    def __init__(self, rest: bytes) -> None:
        self.rest = RawFrame(rest)

    def encode(self) -> RawFrame:
        """The frame's remaining bytes, written as they are."""
        return self.rest


def _tracking_websocket_class() -> type | None:
    """Engine.IO's gevent-websocket wrapper, which also tells whether its writer is inside a frame and hands
    itself to its Engine.IO socket (None when Engine.IO does not run on gevent-websocket)."""
    from engineio.async_drivers import gevent as eio_gevent

    if getattr(eio_gevent, "SimpleWebSocketWSGI", None) is not None:
        return None  # simple-websocket: frames are built by another library; keep its own path
    base: type = eio_gevent.WebSocketWSGI

    class TrackingWebSocketWSGI(base):  # type: ignore[misc, valid-type]
        writing = False

        def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
            owner = getattr(self.app, "__self__", None)  # the Engine.IO socket whose _websocket_handler runs here
            if owner is not None:
                owner.cmc_ws = self
            try:
                return super().__call__(environ, start_response)
            finally:
                if owner is not None:
                    owner.cmc_ws = None

        def send(self, message: Any) -> Any:
            self.writing = True
            try:
                if isinstance(message, RawFrame):
                    return self._send_raw(message)
                return super().send(message)
            finally:
                self.writing = False

        def close(self) -> Any:
            # The closing frame may wait for the kernel: nothing may be written after or into it.
            self.writing = True
            return super().close()

        def _send_raw(self, frame: RawFrame) -> None:
            from geventwebsocket.exceptions import WebSocketError

            write = self._sock.raw_write
            if self._sock.closed or write is None:
                raise WebSocketError("Socket is dead")
            try:
                write(bytes(frame))
            except OSError as exc:  # as gevent-websocket's send_frame: the writer stops and closes
                raise WebSocketError("Socket is dead") from exc

    return TrackingWebSocketWSGI


def install(server: socketio.Server) -> bool:
    """Let ``server``'s Engine.IO sockets take frames directly (gevent-websocket only); True when installed."""
    eio = server.eio
    if eio.async_mode != "gevent":
        return False
    tracking = _tracking_websocket_class()
    if tracking is None:
        return False
    # A copy: the driver's table is shared by every Engine.IO server of the process.
    eio._async = {**eio._async, "websocket": tracking}
    eio.cmc_direct_frames = True
    return True


def write_frame(sock: Any, frame: bytes, now: float, ping_timeout: float) -> bool:
    """Write ``frame`` to the Engine.IO socket ``sock`` without its queue when nothing can come between; queue the
    rest of a partial write. False when the packet must take the queue (the caller sends it as before)."""
    ws = getattr(sock, "cmc_ws", None)
    if ws is None or ws.writing or not sock.upgraded or sock.upgrading or sock.closing or sock.closed:
        return False
    if sock.last_ping and now - sock.last_ping > ping_timeout:
        return False  # the client is gone: Engine.IO's send closes the socket
    if not sock.queue.empty():
        return False  # earlier packets wait for the writer: this one goes after them
    websocket = getattr(ws, "_sock", None)
    connection = getattr(getattr(websocket, "handler", None), "socket", None)
    if websocket is None or websocket.closed or connection is None:
        return False
    try:
        sent = connection.send(frame, 0, timeout=0.0)  # gevent: never waits, raises when the buffer is full
    except BlockingIOError:
        sent = 0
    except OSError:
        return False  # a broken connection: the writer meets the error as it always did
    if sent < len(frame):
        sock.queue.put(RawFramePacket(frame[sent:]))  # the writer finishes it before anything queued later
    return True


class FanoutManager(Manager):
    """python-socketio's client manager with the one-frame broadcast (for a process without message queue)."""

    def emit(self, event: str, data: Any, namespace: str, room: Any = None, skip_sid: Any = None,
             callback: Any = None, to: Any = None, **kwargs: Any) -> None:
        """Send ``event`` to the room's participants of this process; python-socketio's own emit when a callback
        needs a packet per recipient, a packet has binary attachments, or the server is not on gevent-websocket."""
        room = to or room
        server = self.server
        if callback or namespace not in self.rooms or not getattr(server.eio, "cmc_direct_frames", False):
            return super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, **kwargs)
        args = list(data) if isinstance(data, tuple) else ([data] if data is not None else [])
        encoded = server.packet_class(sio_packet.EVENT, namespace=namespace, data=[event, *args]).encode()
        if isinstance(encoded, list):  # binary attachments: several frames, some binary
            return super().emit(event, data, namespace, room=room, skip_sid=skip_sid, **kwargs)
        eio_pkt = eio_packet.Packet(eio_packet.MESSAGE, encoded)
        frame = websocket_frame(eio_pkt.encode())
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        sockets = server.eio.sockets
        now, ping_timeout = time.time(), server.eio.ping_timeout
        for sid, eio_sid in self.get_participants(namespace, room):
            if sid in skip:
                continue
            sock = sockets.get(eio_sid)
            if sock is None or not write_frame(sock, frame, now, ping_timeout):
                server._send_eio_packet(eio_sid, eio_pkt)
        return None


class FanoutRedisManager(socketio.RedisManager, FanoutManager):
    """The Redis message queue (each message decoded once per process by python-socketio's listener) delivering
    through :meth:`FanoutManager.emit`: in this class's order PubSubManager's ``super().emit`` is FanoutManager's."""


def client_manager(message_queue: str | None, channel: str) -> Manager | None:
    """The client manager for ``message_queue`` (None: Flask-SocketIO chooses, for queues other than Redis)."""
    if not message_queue:
        return FanoutManager()
    if message_queue.startswith(("redis://", "rediss://")):
        return FanoutRedisManager(message_queue, channel=channel)
    return None
