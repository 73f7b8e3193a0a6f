"""The embedded defaults behind `bin/demo`: SQLite and the Kaixin deal from nothing, in a subprocess
with the local settings, exactly as the quick start runs them."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(tmp_path, *args):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.local", ESCROW_VAR_DIR=str(tmp_path))
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
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
