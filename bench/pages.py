"""The pages issue 14 added and their API reads, one list for the benchmark (bench/bench_pages.py) and the
query-count test (tests/escrow/perf/test_query_counts_holdings.py), so a page added to one is in both."""

from django.urls import reverse


def issue_14_urls(deal, *, as_of, period=""):
    """name -> URL: the escrow fee page (EA 4.4), dividends and votes (SPA 3.2, EA 1.3), corporate actions
    (EA 4.2), the period statement and its CSV, the deal and year 1 as of `as_of` (a date), and their API
    reads. `period` is the statement's query string ("start=...&end=..."); empty, its default period (the
    last full month)."""
    slug, on_day = deal.slug, f"?as_of={as_of.isoformat()}"
    statement = f"?{period}" if period else ""
    return {
        "fees": reverse("escrow:deal_fees", args=[slug]),
        "dividends and votes": reverse("escrow:holdings", args=[slug]),
        "corporate actions": reverse("escrow:corporate_actions", args=[slug]),
        "statement": reverse("escrow:deal_statement", args=[slug]) + statement,
        "statement.csv": reverse("escrow:deal_statement_csv", args=[slug]) + statement,
        "deal as of": reverse("escrow:deal", args=[slug]) + on_day,
        "tranche as of": reverse("escrow:tranche", args=[slug, 1]) + on_day,
        "api fees": reverse("api:deal-fees", args=[slug]),
        "api dividends": reverse("api:deal-dividends", args=[slug]),
        "api meetings": reverse("api:deal-meetings", args=[slug]),
        "api corporate actions": reverse("api:corporate-actions", args=[slug]),
        "api statement": reverse("api:deal-statement", args=[slug]) + statement,
    }
