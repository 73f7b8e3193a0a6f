"""Who is on the other end of a request: the one place that reads a client's address (django-ipware)
and user agent. Signatures, sign-in history, throttling (django-axes) and re-authentication all
record what this returns, so behind the production proxy they record the client, not the proxy.

And by which channel the request came (issue 10 item 3, "each use is attributable"): a browser session
or an API token, read by current_channel() wherever a record of the request is written (the history)."""

from contextvars import ContextVar

from django.conf import settings
from ipware import get_client_ip

WEB = {"channel": "web"}
_channel: ContextVar[dict | None] = ContextVar("parties_channel", default=None)


def client_ip(request) -> str | None:
    """The client's address. Settings say which headers to trust and how many proxies stand in front
    (CLIENT_IP_HEADERS, CLIENT_IP_PROXY_COUNT): the proxy appends what it saw to X-Forwarded-For, so
    the right-most entry is the client; entries to its left come from the client and can be forged."""
    if request is None:
        return None
    ip, _routable = get_client_ip(
        request,
        proxy_order="right-most",
        proxy_count=settings.CLIENT_IP_PROXY_COUNT,
        request_header_order=settings.CLIENT_IP_HEADERS,
    )
    return ip or None


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:500] if request is not None else ""


def current_channel() -> dict | None:
    """How the request being served reached the portal: {"channel": "web"} for a browser session (pages,
    or the API used from a signed-in browser), {"channel": "api", "token": <ApiToken id>} for an API
    token; None outside a request (a management command, the worker, the sweep). A copy: callers may
    put it into a record as it is."""
    value = _channel.get()
    return dict(value) if value is not None else None


def set_channel(value: dict | None):
    """Set by parties.middleware.ChannelMiddleware for every request (web) and by
    parties.authentication when a token is accepted; returns what reset_channel needs."""
    return _channel.set(value)


def reset_channel(previous) -> None:
    _channel.reset(previous)
