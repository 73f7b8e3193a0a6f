"""A real Redis and a real Celery worker for the tests (started or found; the test fails otherwise)."""

import email
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from email.header import decode_header, make_header
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
import redis

from config.celery import app

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_URL = "redis://127.0.0.1:6379/15"  # bin/lib.sh ensure_redis
FAST_FAIL = {
    "visibility_timeout": 3600,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}


def redis_url() -> str:
    """TEST_REDIS_URL (bin/test sets it), pinged; a local redis-server is started if none answers."""
    url = os.environ.get("TEST_REDIS_URL", DEFAULT_URL)
    if not _ping(url):
        _start_redis(url)
    if not _ping(url):
        pytest.fail(
            f"Redis is not reachable at {url} and could not be started: run the tests through "
            "bin/test, which installs and starts it.",
            pytrace=False,
        )
    return url


def _ping(url):
    try:
        return redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError:
        return False


def _start_redis(url):
    parts = urlparse(url)
    if parts.hostname not in ("127.0.0.1", "localhost") or not shutil.which("redis-server"):
        return
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            str(parts.port or 6379),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=False,
        capture_output=True,
    )
    for _ in range(20):
        if _ping(url):
            return
        time.sleep(0.25)


@contextmanager
def broker(url):
    """Point this process's Celery app at `url` (fresh connection pools), restoring it afterwards."""
    saved = app.conf.broker_url, app.conf.broker_transport_options
    _switch(url, FAST_FAIL)
    try:
        yield
    finally:
        _switch(*saved)


def _switch(url, options):
    # Drop the references only: kombu keeps one pool per URL and hands the same one back on return.
    app._pool, app.amqp._producer_pool = None, None
    app.conf.broker_url, app.conf.broker_transport_options = url, options


def database_url(settings_dict) -> str:
    user, password = quote(settings_dict["USER"] or ""), quote(settings_dict["PASSWORD"] or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


# Runs celery with the process's clock moved to argv[1] (then ticking): the sweep never runs ahead of the
# contract date (issue 9), so a worker that catches up a 2027 day must live on that day.
TRAVELLING_CELERY = """
import sys
from datetime import datetime
import time_machine
time_machine.travel(datetime.fromisoformat(sys.argv.pop(1)), tick=True).start()
from celery.__main__ import main
sys.argv[0] = "celery"
sys.exit(main())
"""


class Worker:
    """`celery -A config worker` in a subprocess, on the test database, writing emails to files; with
    `now`, the worker's clock starts at that moment (the tests' own clock is time_machine's)."""

    def __init__(self, *, redis_url, db_url, mail_dir: Path, log: Path, now=None):
        self.mail_dir, self.log = mail_dir, log
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=db_url,
            REDIS_URL=redis_url,
            TEST_EMAIL_FILE_PATH=str(mail_dir),
            PYTHONPATH=str(ROOT),
        )
        launcher = ["-m", "celery"] if now is None else ["-c", TRAVELLING_CELERY, now.isoformat()]
        self.process = subprocess.Popen(
            [
                sys.executable,
                *launcher,
                "-A",
                "config",
                "worker",
                "-P",
                "threads",
                "-c",
                "2",
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"sweeptest-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_for(lambda: " ready." in self.output(), what="the worker to start", timeout=60)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def succeeded(self, task_name, task_id=None) -> int:
        pattern = re.escape(task_name) + r"\[" + (re.escape(task_id) if task_id else r"[^\]]+") + r"\] succeeded"
        return len(re.findall(pattern, self.output()))

    def emails(self) -> list:
        """Subjects of the emails the worker sent (Django's file backend: one message per block)."""
        subjects = []
        for path in sorted(self.mail_dir.glob("*.log")):
            for block in path.read_text().split("-" * 79):
                if block.strip():
                    message = email.message_from_string(block.strip())
                    subjects.append(str(make_header(decode_header(message["Subject"]))))
        return subjects

    def wait_for(self, condition, *, what, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the Celery worker exited while waiting for {what}:\n{self.output()[-4000:]}")
            if condition():
                return
            time.sleep(0.2)
        pytest.fail(f"timed out waiting for {what}; worker log:\n{self.output()[-4000:]}")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # our own process group only
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
