#!/usr/bin/env python3
"""A small FAQ bot for Switchboard in Python 3.11, with only the `websockets` package.

    python3 -m pip install websockets      # 13 or newer
    python3 gateway/examples/faq_bot.py --url http://127.0.0.1:8080 --token BOT_TOKEN
    # or: SWITCHBOARD_URL=... SWITCHBOARD_BOT_TOKEN=... python3 gateway/examples/faq_bot.py

The same bot as `faq_bot.rs`, to show that the protocol needs nothing of Rust: plain JSON
text frames over one WebSocket (see docs/protocol.md). The bot

- answers a few questions (opening hours, pricing, password reset) in the conversations it
  holds, whether it got them as the entry bot or from an agent who assigned one back;
- hands the conversation over to the humans when the user asks for one ("human", "agent",
  "person") or when it has no answer, because a user stuck with a bot is worse than a wait;
- survives disconnects: it reconnects with backoff and asks `history` for what it missed,
  answering with a `client_msg_id` derived from the user's message id, so a reply that was
  already stored before the connection dropped is returned by the gateway, not sent twice.
"""

import argparse
import asyncio
import json
import logging
import os
import re
import signal
import sys
from dataclasses import dataclass, field

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

log = logging.getLogger("faq_bot")

# Keyword answers. A question matches when one of its words is a keyword.
FAQ = [
    ({"hours", "open", "opening", "closed"},
     "We are open Monday to Friday, 9:00 to 17:00 (Berlin time)."),
    ({"price", "prices", "pricing", "cost", "costs", "plan", "plans"},
     "Starter is free for up to 3 agents; Team is 15 EUR per agent and month."),
    ({"password", "reset", "login"},
     'To reset your password, click "Forgot password?" on the login page: '
     "we email you a link that works for one hour."),
    ({"hi", "hello", "hey"},
     "Hi! I can tell you about opening hours, pricing and password resets. "
     'Say "human" to talk to a person.'),
]
# Words that mean "let me talk to someone".
HUMAN = {"human", "agent", "person"}
# Said when an agent hands a conversation (back) to the bot.
BACK = ("I'm back! Ask me about opening hours, pricing or password resets, "
        'or say "human" to talk to a person again.')
NO_HUMANS = ("Sorry, no person can take over this chat. Try asking about opening hours, "
             "pricing or password resets.")
CLOSE_UNAUTHORIZED = 4001


def reply_to(text):
    """("answer", text) or ("handover", reason) for one user message."""
    words = set(re.split(r"[^\w]+", text.lower()))
    if words & HUMAN:
        return "handover", "the user asked for a person"
    for keys, answer in FAQ:
        if words & keys:
            return "answer", answer
    return "handover", "the bot has no answer to: " + text[:200]


def answer(conv, client_msg_id, text):
    """`message.send` whose `client_msg_id` is derived from what it answers (the user's
    message id): sent again after a reconnect, the gateway returns the stored message
    instead of storing a second one."""
    return {"type": "message.send", "conversation_id": conv,
            "client_msg_id": client_msg_id, "text": text}


class Unauthorized(Exception):
    """The gateway refused the token: retrying cannot fix that."""


@dataclass
class Conv:
    """Where the bot stands in one conversation it holds."""
    # Every message up to this seq is dealt with (answered and acked, or needing no answer).
    # After a reconnect, `history` starts here.
    handled: int = 0
    # The latest seq seen on this connection, to drop repeats.
    seen: int = 0
    # Replies and handovers sent but not yet acked; `handled` waits for them.
    in_flight: int = 0
    # A list while a `history` catch-up runs: live messages wait here until it is done, so
    # they are handled after the older ones, each exactly once.
    early: list | None = field(default_factory=list)


class Bot:
    def __init__(self):
        self.me = ""          # the bot's id, from `welcome`
        self.convs = {}       # conversation id -> Conv
        self.pending = {}     # req -> what the ack or error answers
        self.next_req = 0

    def req(self, pending):
        self.next_req += 1
        req = str(self.next_req)
        self.pending[req] = pending
        return req

    def catch_up(self, conv, after, first):
        frame = {"type": "history", "req": self.req(("catch_up", conv, first)),
                 "conversation_id": conv, "limit": 50}
        if after is not None:
            frame["after_seq"] = after
        return frame

    def recover(self):
        """After (re)connecting: acks of the old connection will never come; ask for every
        message after the last one handled in each conversation still held."""
        self.pending.clear()
        out = []
        for conv_id, conv in self.convs.items():
            conv.seen, conv.in_flight, conv.early = conv.handled, 0, []
            out.append(self.catch_up(conv_id, conv.handled, False))
        return out

    def on_frame(self, frame):
        """Reacts to one server frame with the frames to send."""
        kind = frame.get("type")
        if kind == "conversation.updated":
            c = frame["conversation"]
            mine = c["status"] == "bot" and (c.get("assignee") or {}).get("id") == self.me
            if not mine:
                # Handed over, taken by an agent, resolved: not ours any more.
                self.convs.pop(c["id"], None)
                return []
            if c["id"] in self.convs:
                return []
            # Newly ours (entry bot, or assigned by an agent): read the latest page to learn
            # where the conversation stands before answering anything.
            self.convs[c["id"]] = Conv()
            return [self.catch_up(c["id"], None, True)]
        if kind == "message.created":
            m = frame["message"]
            conv = self.convs.get(m["conversation_id"])
            if conv is not None and conv.early is not None:
                conv.early.append(m)
                return []
            return self.on_message(m)
        if kind == "ack":
            pending = self.pending.pop(frame["req"], None)
            if pending and pending[0] == "catch_up":
                return self.caught_up(pending[1], pending[2], frame)
            if pending:
                self.done(pending[1])
            return []
        if kind == "error":
            return self.on_error(frame)
        return []  # pong, typing, read, presence: nothing to do

    def on_message(self, m):
        """A live or recovered message, in seq order; only users' messages get an answer."""
        conv = self.convs.get(m["conversation_id"])
        if conv is None or m["seq"] <= conv.seen:
            return []  # not ours, or a repeat
        conv.seen = m["seq"]
        if m["author"]["kind"] != "user":
            if conv.in_flight == 0:
                conv.handled = m["seq"]
            return []
        conv.in_flight += 1
        conv_id = m["conversation_id"]
        what, text = reply_to(m["text"])
        if what == "answer":
            frame = answer(conv_id, f"faq-bot-{m['id']}", text)
            frame["req"] = self.req(("reply", conv_id))
            return [frame]
        log.info("handing over %s: %s", conv_id, text)
        return [{"type": "conversation.handover", "conversation_id": conv_id,
                 "req": self.req(("handover", conv_id, m["id"])), "reason": text}]

    def caught_up(self, conv_id, first, ack):
        """A `history` page arrived: handle it, then what came live meanwhile."""
        messages = ack.get("messages") or []
        conv = self.convs.get(conv_id)
        if conv is None:
            return []
        out = []
        if first:
            # Whatever came before the last message from anyone but the user has been dealt
            # with (by an agent, or by the system message of the assignment); the user's
            # messages after it are waiting for us.
            others = [m for m in messages if m["author"]["kind"] != "user"]
            start = others[-1]["seq"] if others else (messages[0]["seq"] - 1 if messages else 0)
            conv.handled = conv.seen = start
            if others and not any(m["seq"] > start for m in messages):
                # Taken back from an agent: say so, once (the key makes a retry harmless).
                conv.in_flight += 1
                frame = answer(conv_id, f"faq-bot-{conv_id}-back-{start}", BACK)
                frame["req"] = self.req(("reply", conv_id))
                out.append(frame)
        for m in messages:
            out += self.on_message(m)
        if ack.get("has_more") and not first and messages:
            out.append(self.catch_up(conv_id, messages[-1]["seq"], False))  # more pages
            return out
        early, conv.early = conv.early or [], None
        for m in early:
            out += self.on_message(m)
        return out

    def done(self, conv_id):
        """An ack of a reply or handover: once nothing is in flight, all seen is handled."""
        conv = self.convs.get(conv_id)
        if conv is not None:
            conv.in_flight = max(0, conv.in_flight - 1)
            if conv.in_flight == 0:
                conv.handled = conv.seen

    def on_error(self, error):
        pending = self.pending.pop(error.get("req"), None) if error.get("req") else None
        code = error.get("code")
        if pending and pending[0] == "handover" and code == "human_chat_disabled":
            # Human chat is off for this tenant: the user must hear something.
            _, conv_id, msg_id = pending
            frame = answer(conv_id, f"faq-bot-{msg_id}-no-humans", NO_HUMANS)
            frame["req"] = self.req(("reply", conv_id))
            return [frame]  # the handover's place in `in_flight` passes to this reply
        if pending and code in ("not_found", "forbidden", "conflict"):
            self.convs.pop(pending[1], None)  # not (or no longer) ours: forget it
            return []
        if pending and pending[0] != "catch_up":
            self.done(pending[1])
        log.warning("refused (%s): %s", code, error.get("message"))
        return []


async def session(bot, url, token, stop):
    """One connection: connect, auth, recover, then serve frames until it ends.
    Returns True once the bot was welcomed (so the backoff starts over)."""
    ws_url = re.sub(r"^http", "ws", url.rstrip("/"), count=1) + "/v1/ws"
    # websockets pings every 20 s by itself and drops a dead link.
    async with connect(ws_url, open_timeout=10) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        # The answer to `auth` is `welcome`, or `error` and close code 4001.
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame["type"] == "welcome":
                break
            if frame["type"] == "error" and frame.get("code") == "unauthorized":
                raise Unauthorized(frame.get("message"))
        bot.me = frame["id"]
        log.info("connected to %s as bot %s", ws_url, bot.me)
        for out in bot.recover():
            await ws.send(json.dumps(out))
        receiving = asyncio.ensure_future(ws.recv())
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while True:
                await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if stopping.done():
                    log.info("shutting down")
                    await ws.close()
                    return True
                try:
                    raw = receiving.result()
                except ConnectionClosed as closed:
                    if closed.rcvd and closed.rcvd.code == CLOSE_UNAUTHORIZED:
                        raise Unauthorized(closed.rcvd.reason) from None
                    # 1001 (node going away), 4008 (we were too slow), ...: reconnect.
                    log.warning("connection closed: %s", closed)
                    return True
                receiving = asyncio.ensure_future(ws.recv())
                try:
                    frame = json.loads(raw)
                except ValueError:
                    log.warning("unreadable frame: %r", raw)
                    continue
                for out in bot.on_frame(frame):
                    await ws.send(json.dumps(out))
        finally:
            receiving.cancel()
            stopping.cancel()


async def run(url, token):
    """Runs the bot until SIGINT or SIGTERM, reconnecting with backoff."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    bot, backoff = Bot(), 0.25
    while not stop.is_set():
        try:
            if await session(bot, url, token, stop):
                backoff = 0.25
        except Unauthorized as refused:
            log.error("the gateway refused the token: %s", refused)
            return 1
        except (OSError, asyncio.TimeoutError, ConnectionClosed) as error:
            log.warning("connection failed: %r", error)
        if stop.is_set():
            break
        log.warning("reconnecting in %.2f s", backoff)
        try:
            await asyncio.wait_for(stop.wait(), backoff)
        except asyncio.TimeoutError:
            pass
        backoff = min(backoff * 2, 30)
    return 0


def main():
    parser = argparse.ArgumentParser(description="A Switchboard FAQ bot that hands over to humans")
    parser.add_argument("--url", default=os.environ.get("SWITCHBOARD_URL", "http://127.0.0.1:8080"),
                        help="the gateway's HTTP base URL (env SWITCHBOARD_URL)")
    parser.add_argument("--token", default=os.environ.get("SWITCHBOARD_BOT_TOKEN"),
                        help="the bot's token from POST /v1/bots (env SWITCHBOARD_BOT_TOKEN)")
    args = parser.parse_args()
    if not args.token:
        parser.error("a bot token is required: --token or SWITCHBOARD_BOT_TOKEN")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    sys.exit(asyncio.run(run(args.url, args.token)))


if __name__ == "__main__":
    main()
