"""Messages rendered when they are delivered, not when they are written.

A hot path writes the message with `services.enqueue_deferred(renderer=NAME, payload={...})`;
the delivery task calls the renderer registered under NAME, which returns the subject, the
text and the attachments, in the message's language. Apps register their renderers when they
are ready (`AppConfig.ready`).
"""

from dataclasses import dataclass, field

_RENDERERS = {}


@dataclass
class Rendered:
    subject: str
    body_text: str
    attachments: list = field(default_factory=list)
    body_html: str = ""


class RenderError(Exception):
    """The message cannot be rendered any more (what it was about is gone)."""


def register(name):
    def decorate(func):
        _RENDERERS[name] = func
        return func

    return decorate


def render(message) -> Rendered:
    try:
        func = _RENDERERS[message.renderer]
    except KeyError as exc:
        raise RenderError(f"no renderer called {message.renderer!r}") from exc
    return func(message)
