"""The embedded defaults behind `bin/demo`: SQLite and the Kaixin deal from nothing, in a subprocess
with the local settings, exactly as the quick start runs them."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def demo_env(tmp_path, **more):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.local", ESCROW_VAR_DIR=str(tmp_path), **more)
    for name in ("DATABASE_URL", "REDIS_URL"):  # the demo's own SQLite and embedded broker, under tmp_path
        env.pop(name, None)
    return env


def manage(tmp_path, *args, env=None):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env or demo_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_demo_database_comes_up_with_the_kaixin_deal(tmp_path):
    for args in (["migrate", "--noinput", "-v0"], ["load_kaixin"], ["load_kaixin"]):
        result = manage(tmp_path, *args)
        assert result.returncode == 0, result.stderr
    assert "Already loaded" in result.stdout
    assert (tmp_path / "escrow.sqlite3").exists()
    result = manage(tmp_path, "whatif", "--deal", "kaixin-2025", "--actuals", "598500000,865000000")
    assert result.returncode == 0 and "3,300,000" in result.stdout
    assert manage(tmp_path, "verify_history").returncode == 0


DEMO_STATE = """
import json
from escrow.models import Deal, HistoryEntry, TransferEvidence
from escrow.models.clock import contract_today
from escrow.queries.due import actions_due_for
from parties.models import User
deal = Deal.objects.get(slug="kaixin-2025")
entry = HistoryEntry.objects.get(deal=deal, action="deposit_confirmed")
evidence = TransferEvidence.objects.get(deal=deal)
admin = User.objects.get(username="admin")
print(json.dumps({
    "state": deal.state,
    "today": contract_today().isoformat(),
    "confirmed_on": entry.details["confirmed_on"], "due": entry.details["due"], "late": entry.details["late"],
    "reference": entry.details["reference"], "issued": evidence.transfer_date.isoformat(),
    "confirmation": bool(entry.details["transfer"]["confirmation"]),
    "missed": HistoryEntry.objects.filter(action="deadline_missed").count(),
    "due_for": {u.username: actions_due_for(u).total for u in User.objects.all()},
    "admin": [admin.is_staff, admin.is_superuser, admin.check_password("escrow-demo-2026")],
}))
"""


def test_the_demo_starts_with_the_deposit_confirmed_in_the_ea_1_1_window(tmp_path):
    """Issue 12 item 9: nothing overdue on day one. EA 1.1: 15 business days after 2 Dec 2025 is 23 Dec 2025;
    the demo's shares were issued on 19 Dec and the agent confirmed on 22 Dec, through confirm_deposit."""
    for args in (["migrate", "--noinput", "-v0"], ["load_kaixin", "--demo"], ["load_kaixin", "--demo"], ["sweep"]):
        result = manage(tmp_path, *args)
        assert result.returncode == 0, result.stderr
    result = manage(tmp_path, "shell", "-c", DEMO_STATE)
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state == {
        "state": "in_escrow",
        "today": "2026-11-30",  # the demo clock's first day: the last day of assessment year 1
        "confirmed_on": "2025-12-22",
        "due": "2025-12-23",
        "late": False,
        "reference": "DRS-KXIN-2025-1219",
        "issued": "2025-12-19",
        "confirmation": True,
        "missed": 0,
        "due_for": dict.fromkeys(state["due_for"], 0),  # nobody has anything waiting, nothing overdue
        "admin": [True, True, True],
    }
    assert set(state["due_for"]) >= {"issuer", "agent1", "admin"}
    assert manage(tmp_path, "verify_history").returncode == 0


def test_production_settings_refuse_the_demo_clock(tmp_path):
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="escrow.example",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
        REDIS_URL="redis://127.0.0.1:1/0",
        HISTORY_HMAC_KEYS="k1:secret",
        PLATFORM_KEY_FILE="/nonexistent/key.pem",
        PLATFORM_CERT_FILE="/nonexistent/cert.pem",
        PORTAL_BASE_URL="https://escrow.example",
    )
    read = [sys.executable, "-c", "from django.conf import settings; print(settings.DEMO_CLOCK)"]
    ok = subprocess.run(read, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert (ok.returncode, ok.stdout.strip()) == (0, "False"), ok.stderr
    refused = subprocess.run(read, cwd=ROOT, env=dict(env, DEMO_CLOCK="1"), capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "DEMO_CLOCK is for the demo" in refused.stderr


# --- bin/demo: web, worker and beat stop together (issue 12 item 9) ---


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid):
    """Every process below `pid` (from /proc: the Linux the demo runs on)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def running(pid):
    """Alive and not a zombie waiting for a parent (PID 1 in a container may never reap it)."""
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def command_line(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (a local http URL of the test's own)
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def wait_until_up(demo, port, log):
    """The login page answers and the worker, beat and web processes are all there."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert demo.poll() is None, log.read_text()
        try:
            status, _ = get(f"http://127.0.0.1:{port}/accounts/login/")
        except OSError:
            status = None
        kinds = " ".join(command_line(p) for p in descendants(demo.pid))
        if status == 200 and all(k in kinds for k in ("celery -A config worker", "celery -A config beat", "runserver")):
            return
        time.sleep(1)
    raise AssertionError(f"bin/demo did not come up:\n{log.read_text()}")


@pytest.fixture(scope="module")
def demo_var(tmp_path_factory):
    """One demo database for the three runs: the first migrates and loads, the others find it loaded."""
    return tmp_path_factory.mktemp("demo-var")


@pytest.mark.parametrize(
    ("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)], ids=["INT", "TERM", "HUP"]
)
def test_bin_demo_stops_web_worker_and_beat_together(demo_var, sig, status):
    port = free_port()
    log = demo_var / f"demo-{sig.name}.log"
    with log.open("w") as out:
        demo = subprocess.Popen(
            [str(ROOT / "bin" / "demo")],
            cwd=ROOT,
            env=demo_env(demo_var, PORT=str(port), HOST="127.0.0.1"),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    children = []
    try:
        wait_until_up(demo, port, log)
        children = descendants(demo.pid)
        if sig == signal.SIGINT:  # DEBUG is off: the portal's own 404 page, and static files still served
            status_404, page = get(f"http://127.0.0.1:{port}/no-such-page/")
            assert status_404 == 404 and "There is no such page" in page and "URLconf" not in page
            assert get(f"http://127.0.0.1:{port}/static/css/portal.css")[0] == 200
        os.kill(demo.pid, sig)
        assert demo.wait(timeout=60) == status, log.read_text()
        deadline = time.monotonic() + 15
        while any(running(p) for p in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [command_line(p) for p in children if running(p)]
    finally:  # only the processes this test started, by their ids
        for pid in [demo.pid, *(children or descendants(demo.pid))]:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        demo.wait(timeout=10)
