#!/usr/bin/env python3
"""Resident memory of a release server after a sign-up and a sign-in burst,
measured from outside (issue 12, ADR 0006).

Creates a fresh database, starts the server binary on it, then:
  1. reads VmRSS once the server is ready (startup);
  2. sends N POST /api/v1/auth/register from C concurrent clients, waits
     SETTLE seconds, reads VmRSS;
  3. sends N POST /api/v1/auth/login (the accounts of step 2, one in four
     with a wrong password) from C concurrent clients, waits, reads VmRSS;
then stops the server and drops the database. Standard library only.

    python3 scripts/auth_burst_rss.py /var/tmp/roombook-target/release/server
        [--requests 100] [--clients 16] [--settle 10] [--port 3999]
"""

import argparse
import concurrent.futures
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def psql(sql):
    subprocess.run(["psql", ADMIN_URL, "-qXc", sql], check=True,
                   stdout=subprocess.DEVNULL)


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def post(url, body):
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"content-type": "application/json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.monotonic() - started


def burst(url, bodies, clients):
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda body: post(url, body), bodies))
    elapsed = time.monotonic() - started
    statuses = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    slowest = max(seconds for _, seconds in results)
    return statuses, elapsed, slowest


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("server")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--settle", type=float, default=10)
    parser.add_argument("--port", type=int, default=3999)
    args = parser.parse_args()

    database = f"rss_{uuid.uuid4().hex[:12]}"
    psql(f'create database "{database}"')
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [args.server, "--listen", f"127.0.0.1:{args.port}",
         "--database-url", f"postgres://postgres@127.0.0.1:5432/{database}",
         "--db-max-connections", "5",
         "--rate-limit-per-minute", "100000",
         "--auth-rate-limit-per-15-min", "100000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not become ready")
        time.sleep(2)  # the dummy hash and start-up upkeep
        print(f"startup: VmRSS {rss_mib(server.pid):.1f} MiB")

        tag = uuid.uuid4().hex[:8]
        accounts = [{"email": f"burst-{tag}-{i}@example.com",
                     "name": f"Burst {i}",
                     "password": f"correct horse battery {i}"}
                    for i in range(args.requests)]
        statuses, elapsed, slowest = burst(
            base + "/api/v1/auth/register", accounts, args.clients)
        peak = rss_mib(server.pid)
        time.sleep(args.settle)
        print(f"sign-up burst ({args.requests} from {args.clients} clients): "
              f"statuses {statuses} in {elapsed:.1f} s (slowest {slowest:.2f} s); "
              f"VmRSS {peak:.1f} MiB at the end, "
              f"{rss_mib(server.pid):.1f} MiB {args.settle:g} s later")

        logins = [{"email": account["email"],
                   "password": account["password"] + ("" if i % 4 else "x")}
                  for i, account in enumerate(accounts)]
        statuses, elapsed, slowest = burst(
            base + "/api/v1/auth/login", logins, args.clients)
        peak = rss_mib(server.pid)
        time.sleep(args.settle)
        print(f"sign-in burst ({args.requests} from {args.clients} clients): "
              f"statuses {statuses} in {elapsed:.1f} s (slowest {slowest:.2f} s); "
              f"VmRSS {peak:.1f} MiB at the end, "
              f"{rss_mib(server.pid):.1f} MiB {args.settle:g} s later")
    finally:
        server.terminate()
        server.wait(timeout=30)
        psql(f'drop database if exists "{database}" with (force)')


if __name__ == "__main__":
    sys.exit(main())
