"""Where a login may send the user back to (`?next=`): a page of this site, never another one.

The one check for every `next` the app reads. The target is refused unless, once parsed and
rebuilt the way the Location header will carry it, it is still a path of this origin: no scheme
or host but ours, no scheme-relative `//host`, no backslash (browsers read `/\\host` as `//host`),
no control or invisible character (browsers drop tabs and line breaks, which turned `/\\t/host`
into `//host`; a line break in a header is a server error).
"""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from werkzeug.urls import iri_to_uri

MAX_NEXT_LENGTH = 2048


def _clean(text: str) -> bool:
    return "\\" not in text and all(ch == " " or (ch.isprintable() and not ch.isspace()) for ch in text)


def _local_path(location: str) -> bool:
    return location.startswith("/") and not location.startswith(("//", "/\\")) and _clean(location)


def safe_next(target: str | None, host_url: str) -> str | None:
    """`target` as a local path (with its query and fragment) to redirect to, or None.

    `host_url` is this site's root (request.host_url): an absolute target on the same scheme and
    host is accepted and reduced to its path. Never raises: anything odd is None.
    """
    if not target or len(target) > MAX_NEXT_LENGTH or not _clean(target):
        return None
    try:
        parts = urlsplit(target)
        here = urlsplit(host_url)
        if parts.scheme or parts.netloc:
            if (parts.scheme.lower(), parts.netloc.lower()) != (here.scheme.lower(), here.netloc.lower()):
                return None
        elif not _local_path(target):  # `///host` parses as the path `/host`: refuse it as sent
            return None
        if not _local_path(parts.path):
            return None
        location = iri_to_uri(urlunsplit(("", "", parts.path, parts.query, parts.fragment)))
    except ValueError:
        return None
    return location if _local_path(location) and location.isascii() else None
