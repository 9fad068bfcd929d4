"""Per-connection memory of a server holding idle connections or /sync long-polls.

Opens N raw connections to a homeserver on 127.0.0.1 and reports the growth of the server's
VmRSS (from /proc/PID/status) per connection, for one of three modes:

  idle     connect only, send nothing;
  partial  send an unfinished request head (the server has started reading a request);
  sync     send a complete `GET /sync?since=…&timeout=60000` (a long-poll the server holds).

usage: python3 bench/longpoll_probe.py PORT SERVER_PID N MODE ACCESS_TOKEN

Run it against a server started just for it (the figure is the RSS growth while the connections
are held, so other load must be absent). Standard library only.
"""

import asyncio
import json
import sys
import urllib.request


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def open_one(port, mode, token, since):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if mode == "sync":
        head = (
            f"GET /_matrix/client/v3/sync?timeout=60000&since={since} HTTP/1.1\r\n"
            f"Host: localhost\r\nAuthorization: Bearer {token}\r\n\r\n"
        )
    elif mode == "partial":
        head = "GET /_matrix/client/versions HTTP/1.1\r\nHost: localhost\r\n"
    else:
        head = ""
    writer.write(head.encode())
    await writer.drain()
    return reader, writer


async def main(port, pid, count, mode, token):
    since = ""
    if mode == "sync":
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/_matrix/client/v3/sync",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            since = json.load(answer)["next_batch"]
    await asyncio.sleep(1)
    before = rss_kb(pid)
    held = [await open_one(port, mode, token, since) for _ in range(count)]
    await asyncio.sleep(4)
    after = rss_kb(pid)
    print(json.dumps({
        "mode": mode,
        "connections": count,
        "rss_before_kb": before,
        "rss_held_kb": after,
        "kb_per_connection": round((after - before) / count, 2),
    }))
    for _, writer in held:
        writer.close()


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    port, pid, count, mode, token = sys.argv[1:]
    asyncio.run(main(int(port), int(pid), int(count), mode, token))
