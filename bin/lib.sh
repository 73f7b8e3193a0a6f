# Shared helpers for bin/demo and bin/test. Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
SUDO=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

apt_install() {
  command -v apt-get >/dev/null || die "need $* but apt-get is not available; install them by hand"
  if [ -z "${APT_UPDATED:-}" ]; then $SUDO apt-get update -qq >/dev/null || true; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

pick_python() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      echo "$candidate"; return
    fi
  done
  die "Python 3.11 is required (Django 5.2 LTS; see README)"
}

ensure_venv() {
  local stamp="$VENV/.requirements.sha"
  local want; want="$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)"
  if [ ! -x "$PY" ]; then
    local python; python="$(pick_python)"
    say "creating the virtualenv in .venv"
    "$python" -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; rm -rf "$VENV"; "$python" -m venv "$VENV"; }
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing requirements.txt"
    "$PY" -m pip install -q --upgrade pip >/dev/null
    "$PY" -m pip install -q -r "$ROOT/requirements.txt"
    echo "$want" > "$stamp"
  fi
  ensure_fonts
}

ensure_fonts() {
  # The PDFs embed TrueType fonts (escrow/documents/fonts.py): DejaVu for Latin, AR PL UMing for Chinese.
  # Called from ensure_venv: the app needs them as much as its Python packages (bin/test, bin/demo).
  local missing=()
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ] || missing+=(fonts-dejavu-core)
  [ -f /usr/share/fonts/truetype/arphic/uming.ttc ] || missing+=(fonts-arphic-uming)
  # pdftoppm, pdffonts, pdftotext (poppler-utils): the tests render the PDFs to PNG and check their fonts and text.
  { command -v pdftoppm && command -v pdftotext; } >/dev/null || missing+=(poppler-utils)
  if [ ${#missing[@]} -gt 0 ]; then say "installing the PDF fonts (${missing[*]})"; apt_install "${missing[@]}"; fi
}

pg_ok() { "$PY" - "$1" <<'PYEOF' 2>/dev/null
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PYEOF
}

ensure_postgres() {
  # Sets DATABASE_URL to a PostgreSQL server on 127.0.0.1:5432: found, started, or installed.
  local url="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
  if ! pg_ok "$url"; then
    if ! command -v pg_ctlcluster >/dev/null; then say "installing PostgreSQL"; apt_install postgresql; fi
    say "starting PostgreSQL"
    for version in $(ls /etc/postgresql 2>/dev/null); do
      $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
    done
    for _ in $(seq 1 30); do pg_ok "$url" && break; sleep 1; done
    if ! pg_ok "$url"; then
      # A fresh Debian server: peer/md5 auth. Give the postgres role the password the URL uses.
      $SUDO su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 || true
    fi
  fi
  pg_ok "$url" || die "PostgreSQL is not reachable at $url and could not be started"
  export DATABASE_URL="$url"
}

redis_ok() { "$PY" -c "import redis,sys; redis.Redis.from_url(sys.argv[1], socket_timeout=2).ping()" "$1" 2>/dev/null; }

ensure_redis() {
  local url="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
  if ! redis_ok "$url"; then
    command -v redis-server >/dev/null || { say "installing Redis"; apt_install redis-server; }
    say "starting Redis"
    mkdir -p /tmp/escrow-redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir /tmp/escrow-redis --logfile /tmp/escrow-redis/redis.log >/dev/null
    for _ in $(seq 1 20); do redis_ok "$url" && break; sleep 0.5; done
  fi
  redis_ok "$url" || die "Redis is not reachable at $url and could not be started"
  export TEST_REDIS_URL="$url"
}

ensure_chromium() {
  # Browser tests use Debian's Chromium (never a downloaded browser) and a CJK font for Chinese.
  command -v chromium >/dev/null || { say "installing Chromium"; apt_install chromium; }
  # grep reads every line (no -q): under pipefail an early exit would SIGPIPE fc-list and fail the test.
  fc-list 2>/dev/null | grep -i "noto.*cjk" >/dev/null || { say "installing a CJK font"; apt_install fonts-noto-cjk; }
  export CHROMIUM_PATH="$(command -v chromium)"
}
