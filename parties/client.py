"""Who is on the other end of a request: the one place that reads a client's address (django-ipware)
and user agent. Signatures, sign-in history, throttling (django-axes) and re-authentication all
record what this returns, so behind the production proxy they record the client, not the proxy."""

from django.conf import settings
from ipware import get_client_ip


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
