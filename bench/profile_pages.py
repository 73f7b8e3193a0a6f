"""Function calls per request (cProfile) of the dashboard for four roles, the deal, tranche, history, register and
statement pages, /api/deals/<ref>/ and the statement API, and the bare page and API view (bench/urls.py), on a kept
1,000-deal world (issue 13 item 1): a measure the machine's load does not move.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/prof_NAME .venv/bin/python bench/profile_pages.py [names] [top]

The database is used as it is (not a scratch test_ database): the world is built in it the first time (the
Kaixin deal and 999 copies, as bench/bench_pages.py builds it) and kept for the next runs. `names`: a
comma-separated choice of "dashboard issuer", ..., "deal", "tranche", "api deal", "history", "register",
"statement", "api statement", "bare", "bare api" (the default set) or any other name of bench_pages.detail_urls;
`top`: print that many functions of each profile (sorted by the SORT environment variable, cumulative by default).
"""

import cProfile
import io
import os
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import reverse  # noqa: E402

import bench.bench_pages as bp  # noqa: E402
from bench.world import copies_of  # noqa: E402
from escrow.models import Deal, TrancheState  # noqa: E402
from parties.models import User  # noqa: E402

# Run by default; any other name of bench_pages.detail_urls (e.g. "register") may be asked for by name.
DEFAULT_DETAILS = ("deal", "tranche", "api deal", "history", "register", "statement", "api statement")


def world():
    if "escrow_deal" not in connection.introspection.table_names():
        call_command("migrate", verbosity=0)
    if not Deal.objects.filter(slug="kaixin-2025").exists():
        deal, _ = bp.build_kaixin()
        copies_of(deal, 999, tranche_state=TrancheState.AWAITING_REPORT)
    return Deal.objects.get(slug="kaixin-2025")


def run(name, user, url, top):
    client = bp.client_for(user)
    for _ in range(3):  # warm: the first requests fill per-process caches
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    queries = bp.queries(client, url)
    profile = cProfile.Profile()
    profile.enable()
    client.get(url)
    profile.disable()
    print(f"{name}: {url} queries={queries} calls={pstats.Stats(profile).total_calls}", flush=True)
    if top:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(top)
        print(out.getvalue())


def main():
    deal = world()
    names = sys.argv[1].split(",") if len(sys.argv) > 1 and sys.argv[1] else None
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    urls = bp.detail_urls(deal)
    extra = [name for name in names or () if name in urls and name not in DEFAULT_DETAILS]
    jobs = [(f"dashboard {who}", who, reverse("escrow:dashboard")) for who in bp.LISTS]
    jobs += [(name, bp.DETAIL_PERSONA, urls[name]) for name in (*DEFAULT_DETAILS, *extra)]
    jobs += [(name, bp.DETAIL_PERSONA, reverse(f"bench-{name.replace(' ', '-')}")) for name in ("bare", "bare api")]
    for name, who, url in jobs:
        if not names or name in names:
            run(name, User.objects.get(username=who), url, top)


if __name__ == "__main__":
    main()
