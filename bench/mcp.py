#!/usr/bin/env python3
"""Figures for `msgate mcp serve` (issue 8), driven as an agent's client would drive it.

Run through bench/mcp.sh, which builds the release binary and starts a sandbox tenant.
Reports numbers; asserts nothing. Standard library only.
"""

import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import tempfile
import urllib.parse
import urllib.request

MSGATE = sys.argv[1]
SANDBOX = json.loads(sys.argv[2])  # the line `msgate sandbox serve --auto-approve` printed
BEARER = "fake-bench-bearer-token-0123456789abcdef"
SCOPES = "User.Read User.ReadBasic.All Chat.ReadWrite ChatMessage.Send Presence.Read.All"


def sign_in():
    """A delegated token for the demo tenant's default user, through its device-code flow."""
    base = f"{SANDBOX['login_url']}/{SANDBOX['tenant_id']}/oauth2/v2.0"
    client = SANDBOX["public_client_id"]

    def post(path, form):
        data = urllib.parse.urlencode(form).encode()
        with urllib.request.urlopen(f"{base}/{path}", data) as answer:
            return json.loads(answer.read())

    code = post("devicecode", {"client_id": client, "scope": SCOPES})
    token = post("token", {"client_id": client, "device_code": code["device_code"],
                           "grant_type": "urn:ietf:params:oauth:grant-type:device_code"})
    return token["access_token"]


TOKEN = sign_in()
HOME = tempfile.mkdtemp(prefix="msgate-bench-")
ENV = {k: v for k, v in os.environ.items() if not k.startswith("MSGATE_")}
ENV.update(
    HOME=HOME,
    XDG_CONFIG_HOME=f"{HOME}/config",
    XDG_STATE_HOME=f"{HOME}/state",
    MSGATE_GRAPH_URL=SANDBOX["graph_url"],
    MSGATE_LOGIN_URL=SANDBOX["login_url"],
    MSGATE_ACCESS_TOKEN=TOKEN,
)

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {},
    "clientInfo": {"name": "bench", "version": "1"}}}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


def line(message):
    return (json.dumps(message) + "\n").encode()


def stdio_session(extra_args=(), calls=(), timed=None):
    """Spawns the server, initializes, lists tools, makes `calls`; returns the answers."""
    command = [MSGATE, "mcp", "serve", *extra_args]
    if timed:
        command = ["/usr/bin/time", "-v", *command]
    child = subprocess.Popen(command, env=ENV, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    requests = [INIT, INITIALIZED, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}]
    for i, (name, arguments) in enumerate(calls):
        requests.append({"jsonrpc": "2.0", "id": 3 + i, "method": "tools/call",
                         "params": {"name": name, "arguments": arguments}})
    child.stdin.write(b"".join(line(r) for r in requests))
    child.stdin.flush()
    answers = {}
    raw = {}
    while len(answers) < 2 + len(calls):
        text = child.stdout.readline()
        if not text:
            break
        answer = json.loads(text)
        answers[answer["id"]] = answer
        raw[answer["id"]] = text
    child.stdin.close()
    stderr = child.stderr.read()
    child.wait()
    return answers, raw, stderr.decode()


def startup():
    times = []
    for _ in range(30):
        start = time.perf_counter()
        stdio_session()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"stdio spawn -> initialize -> tools/list: median {statistics.median(times):.1f} ms, "
          f"min {times[0]:.1f} ms, max {times[-1]:.1f} ms (30 runs; target < 20 ms)")


def peak_rss():
    _, _, stderr = stdio_session(calls=[("chat_list", {"max_items": 5})], timed=True)
    kb = next(int(l.split(":")[1]) for l in stderr.splitlines()
              if "Maximum resident set size" in l)
    print(f"peak RSS of a stdio session (initialize, tools/list, one call): {kb / 1024:.1f} MB "
          f"(target < 20 MB)")


def list_bytes():
    for label, args in [("default", ()), ("--tools all", ("--tools", "all")),
                        ("--mode discovery", ("--mode", "discovery"))]:
        answers, raw, _ = stdio_session(args)
        tools = answers[2]["result"]["tools"]
        size = len(json.dumps({"tools": tools}, separators=(",", ":")).encode())
        print(f"tools/list {label}: {len(tools)} tools, {size} bytes "
              f"({size / 1024:.1f} KB; target for the default: <= 24 KB)")


def graph(method, path, body=None):
    request = urllib.request.Request(
        SANDBOX["graph_url"] + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return answer.read()


def output_bytes(chat_index, words):
    """50 messages of `words` in a chat of their own, read raw from Graph and through msgate."""
    chats = json.loads(graph("GET", "/me/chats?$top=5"))["value"]
    chat = chats[chat_index]["id"]
    for i in range(50):
        graph("POST", f"/chats/{chat}/messages",
              {"body": {"contentType": "html", "content": f"<p>{i}: {words}</p>"}})
    raw = graph("GET", f"/chats/{chat}/messages?$top=50")
    _, answers, _ = stdio_session(calls=[("message_list", {"chat": chat, "max_items": 50})])
    result = json.loads(answers[3])["result"]
    count = len(result["structuredContent"]["items"])
    whole = len(answers[3])
    structured = len(json.dumps(result["structuredContent"], separators=(",", ":")).encode())
    text = len(result["content"][0]["text"].encode())
    print(f"{count} chat messages of ~{len(words)} characters: Graph's JSON {len(raw)} bytes; "
          f"msgate's tools/call answer {whole} bytes ({100 * whole / len(raw):.1f} %; "
          f"structured {structured} B, text {text} B; target <= 15 %)")


class HttpSession:
    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port)
        self.session = None
        self.next_id = 1
        self.post(INIT)
        self.post(INITIALIZED)

    def post(self, message):
        headers = {"Authorization": "Bearer " + BEARER, "Content-Type": "application/json",
                   "Accept": "application/json, text/event-stream"}
        if self.session:
            headers["Mcp-Session-Id"] = self.session
        self.connection.request("POST", "/mcp", json.dumps(message), headers)
        answer = self.connection.getresponse()
        self.session = answer.getheader("Mcp-Session-Id") or self.session
        body = answer.read()
        if answer.status >= 300:
            raise RuntimeError(f"{answer.status}: {body[:200]}")
        return body

    def call(self, name, arguments):
        self.next_id += 1
        return self.post({"jsonrpc": "2.0", "id": self.next_id, "method": "tools/call",
                          "params": {"name": name, "arguments": arguments}})


def http_throughput():
    env = dict(ENV, MSGATE_MCP_TOKEN=BEARER)
    server = subprocess.Popen([MSGATE, "mcp", "serve", "--transport", "http", "--port", "0",
                               "--rate-limit", "1000000"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    port = int(json.loads(server.stdout.readline())["mcp_url"].split(":")[2].split("/")[0])
    try:
        for tool, arguments in [("user_me", {}), ("chat_list", {"max_items": 10})]:
            for clients in (1, 4):
                sessions = [HttpSession(port) for _ in range(clients)]
                latencies = []
                lock = threading.Lock()
                per_client = 400 // clients

                def run(session):
                    mine = []
                    for _ in range(per_client):
                        start = time.perf_counter()
                        session.call(tool, arguments)
                        mine.append((time.perf_counter() - start) * 1000)
                    with lock:
                        latencies.extend(mine)

                threads = [threading.Thread(target=run, args=(s,)) for s in sessions]
                start = time.perf_counter()
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                elapsed = time.perf_counter() - start
                latencies.sort()
                p99 = latencies[int(len(latencies) * 0.99) - 1]
                print(f"HTTP tools/call {tool}, {clients} client(s): "
                      f"{len(latencies) / elapsed:.0f} calls/s, p50 "
                      f"{statistics.median(latencies):.2f} ms, p99 {p99:.2f} ms "
                      f"(through the sandbox on loopback)")
    finally:
        server.terminate()
        server.wait()


startup()
peak_rss()
list_bytes()
output_bytes(0, "the release notes for 4.2 are ready for review, see the doc in Files.")
output_bytes(1, "ok, merging it now after lunch")
http_throughput()
