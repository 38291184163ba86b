"""The tiles of the forms' maps: the defaults (OpenStreetMap's standard tiles), and the one
origin the Content-Security-Policy lets images come from for them. No Django: settings.py
builds the policy with `tile_source`.

A tile URL is a Leaflet template: `{z}/{x}/{y}`, optionally `{s}` (a subdomain, as the first
label of the host) and `{r}` (`@2x` on a sharp screen). An absolute URL's origin becomes an
`img-src` source (`{s}` as the wildcard `*`); a URL on this installation (`/tiles/{z}/…`)
needs none, `'self'` covers it."""

from urllib.parse import urlsplit

OSM_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
SUBDOMAIN = "{s}."


def tile_source(url: str) -> str:
    """The Content-Security-Policy source that lets a page load the tiles of `url`: its
    scheme, host and port; "" for no URL, or one on this installation.

    Raises ValueError, in words, for a URL a policy cannot name: a scheme other than http or
    https, credentials in it, or a placeholder in the host other than a leading `{s}`."""
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if not parts.netloc:
        if parts.scheme:
            raise ValueError(f"give an http or https address, not {url!r}")
        return ""  # a path on this installation: 'self'
    if parts.scheme not in ("", "http", "https"):
        raise ValueError(f"give an http or https address, not {parts.scheme}:")
    host = parts.netloc
    if "@" in host:
        raise ValueError("leave credentials out of the address")
    if host.startswith(SUBDOMAIN):
        host = "*." + host.removeprefix(SUBDOMAIN)
    if "{" in host or "}" in host:
        raise ValueError("in the host only a leading {s}. may stand for a subdomain")
    # "//tiles.example.org/…" keeps the page's scheme, and so does its source.
    return f"{parts.scheme}://{host}" if parts.scheme else host
