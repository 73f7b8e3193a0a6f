"""A bounded load run (issue 13 item 5): gunicorn with 2 workers on 127.0.0.1 serving the benchmark's
database, 50 clients on keep-alive connections, a fixed number of requests per target; prints throughput
and p50/p95/p99 of the deal page next to the bare page's. Called by bench_pages.py --load."""

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 50
REQUESTS = 500  # per target: bounded, whatever the throughput


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(database_name, port):
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database_name}"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=url)
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "2"]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603  (our own fixed command line)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def hammer(port, path, cookie):
    """CLIENTS threads share REQUESTS requests; returns (requests/s, latencies in s, failures)."""
    latencies, failures, lock = [], [0], threading.Lock()
    left = [REQUESTS]

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if left[0] == 0:
                    break
                left[0] -= 1
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                conn.close()
                conn, ok = http.client.HTTPConnection("127.0.0.1", port, timeout=30), False
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                failures[0] += not ok
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return REQUESTS / (time.perf_counter() - started), latencies, failures[0]


def percentile(values, p):
    return statistics.quantiles(values, n=100)[p - 1]


def load_run(database_name, deal, client):
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    port = free_port()
    server = serve(database_name, port)
    try:
        targets = {"bare page": "/bench/bare/", "deal page": f"/deals/{deal.slug}/", "dashboard": "/"}
        for path in targets.values():  # warm both workers
            hammer_once(port, path, cookie)
        print(f"\nLoad: gunicorn, 2 workers, {CLIENTS} clients, {REQUESTS} requests per target, 127.0.0.1\n")
        print("| target | requests/s | p50 ms | p95 ms | p99 ms | failed |")
        print("|---|---|---|---|---|---|")
        for name, path in targets.items():
            rate, latencies, failed = hammer(port, path, cookie)
            p50, p95, p99 = (percentile(latencies, p) * 1000 for p in (50, 95, 99))
            print(f"| {name} | {rate:.0f} | {p50:.0f} | {p95:.0f} | {p99:.0f} | {failed} |")
    finally:
        server.terminate()
        server.wait(timeout=30)


def hammer_once(port, path, cookie):
    for _ in range(4):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 200:
            raise SystemExit(f"{path}: {response.status} under gunicorn")
