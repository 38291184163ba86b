from django.conf import settings


def peerarmy(request):
    return {
        "business": getattr(request, "business", None),
        "LANGUAGES": settings.LANGUAGES,
        "DEBUG": settings.DEBUG,
    }
