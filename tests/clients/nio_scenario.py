#!/usr/bin/env python3
"""A real client against a homeserver: matrix-nio (PyPI) walks through a two-user conversation.

    python nio_scenario.py --base-url http://127.0.0.1:8008 [--shared-secret SECRET]

With --shared-secret the two users are created through Synapse's shared-secret registration
API (/_synapse/admin/v1/register, which Concord implements too); without it through open
registration (nio's register, m.login.dummy). Then, with nio:

  both log in; A creates a room and invites B; B sees the invite in /sync and joins; A sends
  three messages; B sees them in /sync; B paginates back with /messages; A's typing notice
  reaches B through /sync's ephemeral events; B's read receipt reaches A the same way; A
  redacts a message and B sees the redaction in /sync and the event redacted; B leaves.

Prints one "ok: STEP" line per step; on the first failure prints "FAIL: STEP: WHY" and exits 1.
Every wait is bounded (10 s per step).
"""

import argparse
import asyncio
import hashlib
import hmac
import json
import secrets
import sys
import time
import urllib.request

from nio import (
    AsyncClient,
    ErrorResponse,
    LoginResponse,
    MessageDirection,
    RedactedEvent,
    RedactionEvent,
    ReceiptEvent,
    RoomGetEventResponse,
    RoomMessagesResponse,
    RoomMessageText,
    SyncResponse,
    TypingNoticeEvent,
)

WAIT_S = 10.0
PASSWORD = "nio-scenario-password"


class StepFailed(Exception):
    """A step of the scenario did not do what it should."""


def check(response, step):
    """Returns `response` unless it is an nio error response, which fails `step`."""
    if isinstance(response, ErrorResponse):
        raise StepFailed(f"{step}: {type(response).__name__}: {response}")
    return response


def http_json(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=WAIT_S) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        raise StepFailed(f"{method} {url}: HTTP {error.code}: {error.read()[:300]!r}")


def shared_secret_register(base_url, secret, localpart):
    """Synapse's shared-secret registration: HMAC-SHA1 of nonce\\0user\\0password\\0notadmin."""
    url = f"{base_url}/_synapse/admin/v1/register"
    nonce = http_json("GET", url)["nonce"]
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    mac.update(b"\x00".join([nonce.encode(), localpart.encode(), PASSWORD.encode(), b"notadmin"]))
    body = {
        "nonce": nonce,
        "username": localpart,
        "password": PASSWORD,
        "admin": False,
        "mac": mac.hexdigest(),
    }
    return http_json("POST", url, body)["user_id"]


async def sync_until(client, predicate, what):
    """Syncs `client` (long-polling, from its last token) until `predicate(sync_response)` is
    true; fails after WAIT_S seconds."""
    deadline = time.monotonic() + WAIT_S
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise StepFailed(f"{what}: not seen through /sync within {WAIT_S:.0f} s")
        poll_ms = int(min(remaining, 5.0) * 1000)
        try:
            response = await asyncio.wait_for(client.sync(timeout=poll_ms), remaining + 5)
        except asyncio.TimeoutError:
            raise StepFailed(f"{what}: /sync did not answer in time")
        check(response, what)
        if not isinstance(response, SyncResponse):
            raise StepFailed(f"{what}: unexpected /sync answer {response!r}")
        if predicate(response):
            return response


def joined(response, room_id):
    return response.rooms.join.get(room_id)


def timeline(response, room_id):
    room = joined(response, room_id)
    return room.timeline.events if room else []


def ephemeral(response, room_id):
    room = joined(response, room_id)
    return room.ephemeral if room else []


async def scenario(base_url, shared_secret):
    suffix = secrets.token_hex(4)
    a_name, b_name = f"nio-a-{suffix}", f"nio-b-{suffix}"
    a = AsyncClient(base_url, a_name)
    b = AsyncClient(base_url, b_name)
    step = "start"
    try:
        step = "register two users"
        if shared_secret:
            shared_secret_register(base_url, shared_secret, a_name)
            shared_secret_register(base_url, shared_secret, b_name)
        else:
            check(await AsyncClient(base_url).register(a_name, PASSWORD), step)
            check(await AsyncClient(base_url).register(b_name, PASSWORD), step)
        print(f"ok: {step}")

        step = "log in with nio"
        for client in (a, b):
            response = check(await client.login(PASSWORD, device_name="nio scenario"), step)
            if not isinstance(response, LoginResponse):
                raise StepFailed(f"{step}: {response!r}")
        print(f"ok: {step} ({a.user_id}, {b.user_id})")

        step = "initial sync of both"
        check(await a.sync(timeout=0), step)
        check(await b.sync(timeout=0), step)
        print(f"ok: {step}")

        step = "A creates a room"
        room_id = check(await a.room_create(name="nio scenario"), step).room_id
        print(f"ok: {step} {room_id}")

        step = "A invites B"
        check(await a.room_invite(room_id, b.user_id), step)
        print(f"ok: {step}")

        step = "B sees the invite in /sync"
        await sync_until(b, lambda r: room_id in r.rooms.invite, step)
        print(f"ok: {step}")

        step = "B joins"
        check(await b.join(room_id), step)
        print(f"ok: {step}")

        step = "A sends three messages"
        bodies = [f"hello {i} {suffix}" for i in range(3)]
        event_ids = []
        for body in bodies:
            content = {"msgtype": "m.text", "body": body}
            event_ids.append(check(await a.room_send(room_id, "m.room.message", content), step).event_id)
        print(f"ok: {step}")

        step = "B sees the messages in /sync"
        seen = set()

        def has_all_messages(response):
            seen.update(e.body for e in timeline(response, room_id) if isinstance(e, RoomMessageText))
            return all(body in seen for body in bodies)

        await sync_until(b, has_all_messages, step)
        print(f"ok: {step}")

        step = "B paginates back with /messages"
        response = check(
            await b.room_messages(room_id, start=b.next_batch, direction=MessageDirection.back, limit=20),
            step,
        )
        if not isinstance(response, RoomMessagesResponse):
            raise StepFailed(f"{step}: {response!r}")
        paged = [e.body for e in response.chunk if isinstance(e, RoomMessageText)]
        if paged[:3] != list(reversed(bodies)):
            raise StepFailed(f"{step}: newest messages first expected {list(reversed(bodies))}, got {paged}")
        print(f"ok: {step} ({len(response.chunk)} events)")

        step = "A's typing notice reaches B"
        check(await a.room_typing(room_id, True, timeout=30_000), step)
        await sync_until(
            b,
            lambda r: any(
                isinstance(e, TypingNoticeEvent) and a.user_id in e.users for e in ephemeral(r, room_id)
            ),
            step,
        )
        check(await a.room_typing(room_id, False), step)
        print(f"ok: {step}")

        step = "B's read receipt reaches A"
        last = event_ids[-1]
        check(await b.update_receipt_marker(room_id, last), step)
        await sync_until(
            a,
            lambda r: any(
                isinstance(e, ReceiptEvent)
                and any(x.user_id == b.user_id and x.event_id == last for x in e.receipts)
                for e in ephemeral(r, room_id)
            ),
            step,
        )
        print(f"ok: {step}")

        step = "A redacts a message and B sees it redacted"
        target = event_ids[0]
        check(await a.room_redact(room_id, target, reason="nio scenario"), step)
        await sync_until(
            b,
            lambda r: any(isinstance(e, RedactionEvent) and e.redacts == target for e in timeline(r, room_id)),
            step,
        )
        response = check(await b.room_get_event(room_id, target), step)
        if not isinstance(response, RoomGetEventResponse) or not isinstance(response.event, RedactedEvent):
            raise StepFailed(f"{step}: GET the event gave {response!r}, not a redacted event")
        print(f"ok: {step}")

        step = "B leaves"
        check(await b.room_leave(room_id), step)
        rooms = check(await b.joined_rooms(), step).rooms
        if room_id in rooms:
            raise StepFailed(f"{step}: still in joined_rooms {rooms}")
        print(f"ok: {step}")
    except StepFailed:
        raise
    except Exception as error:  # an nio or network failure: name the step
        raise StepFailed(f"{step}: {type(error).__name__}: {error}")
    finally:
        await a.close()
        await b.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8008")
    parser.add_argument("--shared-secret", help="the server's registration_shared_secret")
    args = parser.parse_args()
    try:
        asyncio.run(asyncio.wait_for(scenario(args.base_url.rstrip("/"), args.shared_secret), 180))
    except StepFailed as failure:
        print(f"FAIL: {failure}", flush=True)
        sys.exit(1)
    except asyncio.TimeoutError:
        print("FAIL: the scenario took longer than 180 s", flush=True)
        sys.exit(1)
    print("nio scenario passed")


if __name__ == "__main__":
    main()
