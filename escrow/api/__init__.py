"""The REST API (DRF): the same actions and queries as the pages, for browsers and parties' systems.

Views validate input, call one action or query, and present the result; no rule lives here.
"""
