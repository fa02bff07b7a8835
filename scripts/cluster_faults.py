#!/usr/bin/env python3
"""Fault tests through nginx against a running cluster (scripts/cluster.sh).

Run by scripts/cluster-faults.sh inside the cluster tests, on the cluster's
own embedded PostgreSQL and its own redis-server, never the machine's:

  sigterm   SIGTERM to one instance during GET and booking load: no GET
            fails, the instance drains and exits, a booking that failed is
            retried with its Idempotency-Key and exists exactly once.
  redis     Redis killed, restarted, then frozen (SIGSTOP) and thawed during
            load: no request waits 1 s, no 5xx, /readyz says "degraded" and
            200, one log line per state change, back to Redis by itself.
  postgres  PostgreSQL stopped and started during a booking load: /readyz
            503 while it is away, every 201 a client saw is in the database,
            no key booked twice, the pools recover by themselves.

Every request is timed. Load comes from many loopback addresses (a new one
every few dozen requests): nginx passes the real address on and the
instances limit each client to 100 requests a minute. Prints `ok     name`
or `FAILED name: why` per check and a summary line per scenario; exits 1 if
any check failed. Standard library only.
"""

import argparse
import datetime
import glob
import http.client
import json
import os
import random
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

# A request slower than this counts as "waited too long" while Redis is
# away (the bound; the server gives Redis 250 ms).
REDIS_FAULT_BOUND_S = 1.0
# Requests one client address sends before the next address takes over:
# below the instances' 100 a minute and nginx's burst of 200.
REQUESTS_PER_ADDRESS = 60

RESULTS = {"passed": 0, "failed": 0}


def ok(name):
    RESULTS["passed"] += 1
    print(f"ok     {name}", flush=True)


def failed(name, why):
    RESULTS["failed"] += 1
    print(f"FAILED {name}: {why}", flush=True)


def check(condition, name, why):
    if condition:
        ok(name)
    else:
        failed(name, why)
    return condition


def note(text):
    print(f"       {text}", flush=True)


class Addresses:
    """Fresh loopback addresses (127.60.0.1, 127.60.0.2, ...), one per client
    budget, never reused within a run."""

    def __init__(self, first_octet=60):
        self.lock = threading.Lock()
        self.next = (first_octet << 16) + 1

    def take(self):
        with self.lock:
            n = self.next
            self.next += 1
        if n & 0xFF in (0, 255):
            return self.take()
        return f"127.{(n >> 16) & 0xFF}.{(n >> 8) & 0xFF}.{n & 0xFF}"


class Answer:
    __slots__ = ("status", "body", "seconds", "error", "started", "headers")

    def __init__(self, status, body, seconds, error, started, headers=None):
        self.status = status
        self.body = body
        self.seconds = seconds
        self.error = error
        self.started = started
        self.headers = headers or {}

    def json(self):
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


class Client:
    """One keep-alive connection to nginx (HTTPS) or to an instance (HTTP),
    from a loopback address that changes every REQUESTS_PER_ADDRESS."""

    def __init__(self, env, base, addresses=None, timeout=10.0):
        parsed = urllib.parse.urlsplit(base)
        self.https = parsed.scheme == "https"
        self.host = parsed.hostname
        self.port = parsed.port
        self.env = env
        self.addresses = addresses
        self.timeout = timeout
        self.conn = None
        self.sent = 0

    def _connect(self):
        if self.addresses is not None and (self.conn is None or self.sent >= REQUESTS_PER_ADDRESS):
            self.close()
            self.sent = 0
        if self.conn is None:
            source = (self.addresses.take(), 0) if self.addresses else None
            if self.https:
                self.conn = http.client.HTTPSConnection(
                    self.host, self.port, context=self.env.tls, timeout=self.timeout,
                    source_address=source)
            else:
                self.conn = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.timeout, source_address=source)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, headers=None):
        self._connect()
        self.sent += 1
        headers = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.monotonic()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            payload = response.read()
            answer = Answer(response.status, payload, time.monotonic() - started, None, started,
                            {k.lower(): v for k, v in response.getheaders()})
            if response.will_close:
                self.close()
            return answer
        except (OSError, http.client.HTTPException) as error:
            self.close()
            return Answer(0, b"", time.monotonic() - started, repr(error), started)


class Env:
    def __init__(self, args):
        self.url = args.url
        self.tls = ssl.create_default_context(cafile=args.cert)
        self.instances = args.instances.split(",")
        self.pids = dict(item.split(":") for item in args.pids.split(","))
        self.metrics = args.metrics.split(",") if args.metrics else []
        self.redis_port = args.redis_port
        self.redis_dir = args.redis_dir
        self.db_url = args.db_url
        self.logs = args.logs
        self.run_dir = args.run_dir
        self.admin_token = args.admin_token
        self.addresses = Addresses()
        self.alive = list(range(len(self.instances)))  # indexes of live instances
        self.guests = []
        self.room = None
        os.makedirs(self.run_dir, exist_ok=True)

    def client(self, timeout=10.0):
        return Client(self, self.url, self.addresses, timeout)

    def instance_client(self, index, timeout=10.0):
        return Client(self, f"http://{self.instances[index]}", None, timeout)

    def psql(self, sql):
        out = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", self.db_url, "-c", sql],
                             capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise RuntimeError(f"psql failed: {out.stderr.strip()}")
        return out.stdout

    def log_size(self, index):
        try:
            return os.path.getsize(self.log_path(index))
        except OSError:
            return 0

    def log_path(self, index):
        return os.path.join(self.logs, f"app-{index + 1}.log")

    def log_since(self, index, offset):
        with open(self.log_path(index), "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")


def today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def stay_body(room, night_offset):
    check_in = today() + datetime.timedelta(days=night_offset)
    return {"room_id": room, "check_in": check_in.isoformat(),
            "check_out": (check_in + datetime.timedelta(days=1)).isoformat(),
            "guests": 1, "units": 1}


def setup(env, guests=4):
    client = env.client()
    answer = client.request("POST", "/api/v1/admin/rooms", {
        "name": "Fault test room", "description": "Many units, for load while parts fail.",
        "capacity": 2, "price_cents": 9900, "currency": "EUR", "total_inventory": 500,
    }, {"Authorization": f"Bearer {env.admin_token}"})
    if answer.status != 201:
        raise RuntimeError(f"cannot create the room: {answer.status} {answer.body[:200]!r}")
    env.room = answer.json()["id"]
    for i in range(guests):
        # Each sign-up from its own address: the sign-up budget is per client.
        signup = env.client()
        answer = signup.request("POST", "/api/v1/auth/register", {
            "email": f"fault-{i}-{uuid.uuid4().hex[:8]}@example.com",
            "name": f"Fault Guest {i}", "password": "a long enough password",
        })
        signup.close()
        if answer.status != 201:
            raise RuntimeError(f"cannot sign up a guest: {answer.status} {answer.body[:200]!r}")
        env.guests.append(answer.json()["token"])
    client.close()


# --- load ---------------------------------------------------------------------

class Load:
    """Threads that send paced requests until stopped, recording each."""

    def __init__(self):
        self.stop = threading.Event()
        self.threads = []
        self.lock = threading.Lock()
        self.gets = []       # Answer of every GET, with .kind in a tuple
        self.bookings = []   # one dict per logical booking
        self.t0 = time.monotonic()

    def start(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self.threads.append(thread)

    def finish(self, seconds=60):
        self.stop.set()
        deadline = time.monotonic() + seconds
        for thread in self.threads:
            thread.join(max(0.1, deadline - time.monotonic()))


def get_worker(env, load, per_second, paths, timeout=10.0):
    client = env.client(timeout)
    interval = 1.0 / per_second
    next_at = time.monotonic() + random.random() * interval
    while not load.stop.is_set():
        path = random.choice(paths)
        answer = client.request("GET", path)
        with load.lock:
            load.gets.append((path, answer))
        next_at = max(next_at + interval, time.monotonic())
        time.sleep(max(0.0, next_at - time.monotonic()))
    client.close()


# Answers after which the same request is sent again with the same key: the
# request may not have reached an instance, or the database is away.
RETRY_STATUSES = {0, 500, 502, 503, 504}


def booking_worker(env, load, token, per_second, give_up_after):
    """Books one-night stays, each with its own Idempotency-Key, retrying a
    failed request with the same key until it gets a final answer."""
    client = env.client(timeout=20.0)
    interval = 1.0 / per_second
    while not load.stop.is_set():
        key = str(uuid.uuid4())
        body = stay_body(env.room, random.randint(2, 330))
        record = {"key": key, "attempts": [], "final": None, "id": None}
        deadline = time.monotonic() + give_up_after
        while True:
            answer = client.request("POST", "/api/v1/bookings", body,
                                    {"Authorization": f"Bearer {token}", "Idempotency-Key": key})
            record["attempts"].append((answer.started - load.t0, answer.status, answer.seconds))
            problem = answer.json() if answer.status >= 400 else None
            code = problem.get("code") if isinstance(problem, dict) else None
            retry = answer.status in RETRY_STATUSES or code == "idempotency_in_progress"
            if not retry:
                record["final"] = answer.status
                if answer.status == 201:
                    record["id"] = answer.json()["id"]
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.25)
        with load.lock:
            load.bookings.append(record)
        time.sleep(interval)
    client.close()


def summary(answers):
    if not answers:
        return "no requests"
    times = sorted(a.seconds for a in answers)
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000  # noqa: E731
    statuses = {}
    for a in answers:
        statuses[a.status] = statuses.get(a.status, 0) + 1
    return (f"{len(answers)} requests, statuses {dict(sorted(statuses.items()))}, "
            f"p50 {p(0.5):.0f} ms, p99 {p(0.99):.0f} ms, max {times[-1] * 1000:.0f} ms")


def verify_bookings(env, load, name):
    """Every 201 a client saw is in the database, once; no key booked twice."""
    records = load.bookings
    confirmed = [r for r in records if r["final"] == 201]
    retried = [r for r in records if len(r["attempts"]) > 1]
    unresolved = [r for r in records if r["final"] is None]
    note(f"{name}: {len(records)} bookings, {len(confirmed)} confirmed, "
         f"{len(retried)} needed a retry, {len(unresolved)} without a final answer")
    if not records:
        failed(f"{name}: bookings were made", "no booking request finished")
        return
    keys = ",".join(f"'{r['key']}'" for r in records)
    rows = env.psql(f"select idempotency_key, id, status from bookings "
                    f"where idempotency_key in ({keys})").split()
    in_db = {}
    for row in rows:
        key, booking_id, status = row.split("|")
        in_db.setdefault(key, []).append((booking_id, status))
    twice = [k for k, v in in_db.items() if len(v) > 1]
    check(not twice, f"{name}: no Idempotency-Key booked twice",
          f"{len(twice)} keys have several bookings: {twice[:3]}")
    missing = [r for r in confirmed if (r["id"], "confirmed") not in in_db.get(r["key"], [])]
    check(not missing, f"{name}: every booking answered 201 is in the database ({len(confirmed)})",
          f"{len(missing)} missing, e.g. {missing[:2]}")
    # A retry never makes a second booking: one row per key, and it is the
    # one the client was told about.
    others = [r for r in confirmed if len(in_db.get(r["key"], [])) != 1]
    check(not others, f"{name}: retried keys booked exactly once",
          f"{len(others)} keys with {[len(in_db.get(r['key'], [])) for r in others[:3]]} rows")
    return confirmed, retried, unresolved


def wait_until(predicate, seconds, step=0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def pid_alive(pid):
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by cluster.sh) has finished.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def readyz(env, index, timeout=10.0):
    client = env.instance_client(index, timeout)
    answer = client.request("GET", "/readyz")
    client.close()
    return answer


# --- SIGTERM to one instance -----------------------------------------------------

class InFlight:
    """A sign-in sent straight to one instance, its body held back: the
    instance has the request in its handler (waiting for the body) until
    `finish` sends the rest."""

    def __init__(self, address):
        host, port = address.rsplit(":", 1)
        body = json.dumps({"email": "in-flight@example.com", "password": "not the password"}).encode()
        self.rest = body[10:]
        self.sock = socket.create_connection((host, int(port)), timeout=20)
        self.sock.sendall(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: " + address.encode()
            + b"\r\nContent-Type: application/json\r\nConnection: close\r\n"
            + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:10])
        time.sleep(0.3)

    def finish(self, after):
        time.sleep(after)
        try:
            self.sock.sendall(self.rest)
            answer = b""
            while chunk := self.sock.recv(65536):
                answer += chunk
        except OSError as error:
            return repr(error)
        finally:
            self.sock.close()
        line = answer.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split()
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else line


def scenario_sigterm(env):
    name = "SIGTERM to an instance"
    victim = 1 if len(env.instances) > 1 else 0
    pid = env.pids[f"app-{victim + 1}"]
    log_offset = env.log_size(victim)
    check_in = today() + datetime.timedelta(days=40)
    search = (f"/api/v1/rooms?check_in={check_in}&check_out={check_in + datetime.timedelta(days=2)}"
              f"&guests=1")
    paths = [search, f"/api/v1/rooms/{env.room}", "/"]
    load = Load()
    for _ in range(4):
        load.start(get_worker, env, load, 15, paths)
    for token in env.guests[:2]:
        load.start(booking_worker, env, load, token, 4, 20)
    time.sleep(2.0)
    # A request in flight on the victim when the signal comes: its body
    # arrives only after SIGTERM. A draining instance still answers it.
    in_flight = InFlight(env.instances[victim])
    os.kill(int(pid), signal.SIGTERM)
    signalled = time.monotonic()
    status = in_flight.finish(after=0.5)
    check(status == 401, f"{name}: a request in flight at SIGTERM is answered (status {status})",
          f"it got {status!r}, wanted the sign-in's 401")
    exited = wait_until(lambda: not pid_alive(pid), 30)
    drained_in = time.monotonic() - signalled
    time.sleep(2.0)
    load.finish()
    env.alive = [i for i in env.alive if i != victim]

    check(exited, f"{name}: the instance exits after SIGTERM ({drained_in:.1f} s)",
          "still running 30 s after SIGTERM")
    text = env.log_since(victim, log_offset)
    check("shutting down" in text and re.search(r"\bstopped\b", text),
          f"{name}: it logged shutting down, then stopped (drained, pool closed)",
          f"log tail: {text[-300:]!r}")
    gets = [a for _, a in load.gets]
    note(f"{name}: GETs: {summary(gets)}")
    bad = [(p, a.status, a.error) for p, a in load.gets if a.status != 200]
    check(gets and not bad, f"{name}: every GET answered 200 ({len(gets)})",
          f"{len(bad)} did not: {bad[:3]}")
    after = [a for _, a in load.gets if a.started > signalled]
    check(len(after) > 20, f"{name}: GETs kept coming after the signal ({len(after)})",
          "too few requests after SIGTERM to tell")
    verify_bookings(env, load, name)
    first_failures = sum(1 for r in load.bookings if r["attempts"][0][1] in RETRY_STATUSES)
    note(f"{name}: {first_failures} booking requests failed first and were retried with their key")


# --- Redis killed and frozen ------------------------------------------------------

def redis_command(env):
    return ["redis-server", "--bind", "127.0.0.1", "--port", str(env.redis_port), "--save", "",
            "--appendonly", "no", "--dir", env.redis_dir, "--protected-mode", "yes"]


def start_redis(env):
    log = open(os.path.join(env.logs, "redis-restarted.log"), "ab")
    process = subprocess.Popen(redis_command(env), stdout=log, stderr=log,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    with open(f"/proc/{process.pid}/stat") as f:
        started = f.read().split(") ", 1)[1].split()[19]
    # The cluster test stops it (and cluster.sh does not know it).
    with open(os.path.join(env.run_dir, "redis-restarted.pid"), "w") as f:
        f.write(f"{process.pid} {started}\n")
    wait_until(lambda: redis_cli(env, "ping") == "PONG", 10)
    return process


def redis_cli(env, *args):
    try:
        out = subprocess.run(["redis-cli", "-p", str(env.redis_port), *args],
                             capture_output=True, text=True, timeout=2)
        return out.stdout.strip()
    except subprocess.TimeoutExpired:
        return ""


def redis_states(env):
    states = {}
    for index in env.alive:
        answer = readyz(env, index, 2.0)
        body = answer.json() if answer.status else None
        states[index] = (answer.status, body.get("redis") if isinstance(body, dict) else None,
                         answer.seconds)
    return states


def wait_redis_state(env, wanted, seconds):
    seen = {}

    def all_there():
        seen.update(redis_states(env))
        return all(state[0] == 200 and state[1] == wanted for state in seen.values())

    return wait_until(all_there, seconds, 0.1), seen


def scrape(env, index):
    if index >= len(env.metrics):
        return ""
    client = Client(env, f"http://{env.metrics[index]}", None, 2.0)
    answer = client.request("GET", "/metrics")
    client.close()
    return answer.body.decode() if answer.status == 200 else ""


def redis_decisions(text):
    total = 0
    for line in text.splitlines():
        if line.startswith("roombook_rate_limit_decisions_total{") and 'store="redis"' in line:
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


def scenario_redis(env):
    name = "Redis killed, then frozen"
    offsets = {i: env.log_size(i) for i in env.alive}
    check_in = today() + datetime.timedelta(days=50)
    paths = [f"/api/v1/rooms?check_in={check_in}&check_out={check_in + datetime.timedelta(days=1)}"
             f"&guests=1", f"/api/v1/rooms/{env.room}"]
    there, states = wait_redis_state(env, "ok", 10)
    check(there, f"{name}: Redis is shared before the fault", f"/readyz: {states}")
    load = Load()
    for _ in range(5):
        load.start(get_worker, env, load, 12, paths, 5.0)
    windows = []  # (start, end) of the faults, monotonic
    time.sleep(1.5)

    # Killed.
    redis_pid = env.pids.get("redis")
    fault = time.monotonic()
    if redis_pid and pid_alive(redis_pid):
        os.kill(int(redis_pid), signal.SIGKILL)
    degraded, states = wait_redis_state(env, "degraded", 3)
    check(degraded, f"{name}: /readyz answers 200 and says Redis is degraded (killed)",
          f"/readyz: {states}")
    slow = [s for s in states.values() if s[2] >= REDIS_FAULT_BOUND_S]
    check(not slow, f"{name}: /readyz answers within 1 s while Redis is dead", f"{states}")
    time.sleep(2.0)
    process = start_redis(env)
    back, states = wait_redis_state(env, "ok", 8)
    windows.append((fault, time.monotonic()))
    check(back, f"{name}: every instance goes back to Redis after a restart, without one",
          f"/readyz: {states}")
    time.sleep(1.0)

    # Frozen.
    before = {i: redis_decisions(scrape(env, i)) for i in env.alive}
    fault = time.monotonic()
    os.kill(process.pid, signal.SIGSTOP)
    degraded, states = wait_redis_state(env, "degraded", 3)
    check(degraded, f"{name}: /readyz answers 200 and says Redis is degraded (frozen)",
          f"/readyz: {states}")
    time.sleep(2.5)
    os.kill(process.pid, signal.SIGCONT)
    back, states = wait_redis_state(env, "ok", 8)
    windows.append((fault, time.monotonic()))
    check(back, f"{name}: every instance goes back to Redis after SIGCONT", f"/readyz: {states}")
    # Limits are counted in Redis again: keys appear and the metrics say so.
    redis_cli(env, "flushall")
    time.sleep(1.0)
    load.finish()
    keys = redis_cli(env, "--scan", "--pattern", "roombook:rate:*").split()
    check(keys, f"{name}: rate-limit keys are back in Redis ({len(keys)})", "no roombook:rate:* key")
    if env.metrics:
        after = {i: redis_decisions(scrape(env, i)) for i in env.alive}
        grew = [i for i in env.alive if after[i] > before[i]]
        check(len(grew) == len(env.alive),
              f"{name}: every instance counts in Redis again (metrics)",
              f"decisions in Redis before {before}, after {after}")
        up = [i for i in env.alive if "roombook_redis_up 1" in scrape(env, i).splitlines()]
        check(len(up) == len(env.alive), f"{name}: roombook_redis_up is 1 again",
              f"up on {up} of {env.alive}")

    answers = [a for _, a in load.gets]
    during = [a for a in answers
              if any(start - 0.5 <= a.started <= end + 0.5 for start, end in windows)]
    note(f"{name}: all: {summary(answers)}")
    note(f"{name}: during the faults: {summary(during)}")
    slow = [a.seconds for a in answers if a.seconds >= REDIS_FAULT_BOUND_S]
    check(answers and not slow, f"{name}: no request waited 1 s ({len(answers)} requests)",
          f"{len(slow)} did: {sorted(slow)[-5:]}")
    errors = [(a.status, a.error) for a in answers if a.status >= 500 or a.status == 0]
    check(not errors, f"{name}: no 5xx and no failed request", f"{len(errors)}: {errors[:3]}")
    check(len(during) > 50, f"{name}: load ran through the faults ({len(during)} requests)",
          "too few requests during the faults")

    for index in env.alive:
        text = env.log_since(index, offsets[index])
        down = text.count("Redis is not answering")
        up = text.count("Redis answers")
        check(down == 2 and up == 2,
              f"{name}: instance {index + 1} logged one line per change of state (2 down, 2 up)",
              f"{down} 'not answering', {up} 'answers'")


# --- PostgreSQL restarted ----------------------------------------------------------

class Postgres:
    """The cluster's embedded PostgreSQL, stopped and started with pg_ctl as
    the server's embedded mode does (same socket folder and port)."""

    def __init__(self, env):
        url = urllib.parse.urlsplit(env.db_url)
        self.port = url.port or 5432
        self.socket_dir = urllib.parse.parse_qs(url.query)["host"][0]
        self.data_dir = env.psql("show data_directory").strip()
        major = int(env.psql("show server_version_num").strip()) // 10000
        candidates = sorted(glob.glob(f"/usr/lib/postgresql/{major}/bin/pg_ctl"))
        self.pg_ctl = candidates[0] if candidates else "pg_ctl"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *args):
        out = subprocess.run([*self.as_user, self.pg_ctl, "-D", self.data_dir, *args],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(f"pg_ctl {args[0]} failed: {out.stdout}{out.stderr}")

    def stop(self):
        self.run("stop", "-m", "fast", "-w", "-t", "30")

    def start(self):
        self.run("start", "-w", "-t", "30", "-l", os.path.join(self.data_dir, "postgres.log"),
                 "-o", f"-c listen_addresses='' -c unix_socket_directories={self.socket_dir} "
                       f"-p {self.port}")


def scenario_postgres(env):
    name = "PostgreSQL restarted"
    pg = Postgres(env)
    load = Load()
    for token in env.guests:
        load.start(booking_worker, env, load, token, 3, 25)
    time.sleep(2.0)
    stopped_at = time.monotonic()
    pg.stop()
    away = {}

    def all_refuse():
        for index in env.alive:
            if index not in away:
                answer = readyz(env, index, 10.0)
                if answer.status == 503:
                    away[index] = answer
        return len(away) == len(env.alive)

    refused = wait_until(all_refuse, 15, 0.2)
    check(refused, f"{name}: /readyz answers 503 on every instance while the database is away",
          f"503 from {sorted(away)} of {env.alive}")
    problem = next(iter(away.values())).json() if away else None
    check(isinstance(problem, dict) and problem.get("status") == 503,
          f"{name}: the 503 is a problem document", f"{problem!r}")
    time.sleep(max(0.0, 3.0 - (time.monotonic() - stopped_at)))
    pg.start()
    started_at = time.monotonic()
    recovered = wait_until(lambda: all(readyz(env, i, 10.0).status == 200 for i in env.alive), 20,
                           0.2)
    recovery = time.monotonic() - started_at
    check(recovered, f"{name}: every pool recovers by itself ({recovery:.1f} s after the start)",
          "an instance still answers /readyz 503 20 s after PostgreSQL started")
    time.sleep(3.0)
    load.finish(seconds=40)
    confirmed_after = [r for r in load.bookings if r["final"] == 201
                       and r["attempts"][-1][0] > started_at - load.t0]
    check(confirmed_after, f"{name}: bookings are confirmed again after the restart "
          f"({len(confirmed_after)})", "no 201 after PostgreSQL came back")
    failures = {}
    for r in load.bookings:
        for _, status, _ in r["attempts"]:
            failures[status] = failures.get(status, 0) + 1
    note(f"{name}: answers to booking requests: {dict(sorted(failures.items()))}")
    # A database that is away is the server's 503 (retry), never a 500.
    check(not failures.get(500), f"{name}: no 500 while the database is away",
          f"{failures.get(500)} answers were 500")
    verify_bookings(env, load, name)


SCENARIOS = {"sigterm": scenario_sigterm, "redis": scenario_redis, "postgres": scenario_postgres}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--instances", required=True, help="host:port,... of the instances")
    parser.add_argument("--metrics", default="", help="host:port,... of their /metrics")
    parser.add_argument("--pids", required=True, help="name:pid,... as cluster.sh prints them")
    parser.add_argument("--redis-port", type=int, required=True)
    parser.add_argument("--redis-dir", required=True)
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--logs", required=True)
    parser.add_argument("--run-dir", required=True, help="where pid files of restarted processes go")
    parser.add_argument("--admin-token", required=True)
    parser.add_argument("--scenarios", default="sigterm,redis,postgres")
    args = parser.parse_args()
    env = Env(args)
    started = time.monotonic()
    setup(env)
    for scenario in args.scenarios.split(","):
        began = time.monotonic()
        try:
            SCENARIOS[scenario](env)
        except Exception as error:  # a broken scenario is a failure, not a crash
            failed(f"scenario {scenario}", repr(error))
        note(f"scenario {scenario} took {time.monotonic() - began:.1f} s")
    note(f"fault tests: {RESULTS['passed']} passed, {RESULTS['failed']} failed "
         f"in {time.monotonic() - started:.1f} s")
    sys.exit(1 if RESULTS["failed"] else 0)


if __name__ == "__main__":
    main()
