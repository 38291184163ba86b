"""The pictures people uploaded (`peerarmy.photos`), served by the application itself so that
the embedded installation needs nothing in front of it. Each name is the picture's hash, so it
is cached for a year; in a larger installation the web server in front may serve MEDIA_ROOT
directly at MEDIA_URL instead (docs/architecture.md)."""

from django.conf import settings
from django.http import Http404
from django.views.decorators.http import require_safe
from django.views.static import serve

CACHE_FOREVER = "public, max-age=31536000, immutable"


@require_safe
def media(request, path):
    # only processed pictures are stored: WebP, named by their content
    if not path.endswith(".webp"):
        raise Http404()
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = CACHE_FOREVER
    response["X-Content-Type-Options"] = "nosniff"
    return response
