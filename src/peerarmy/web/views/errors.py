from django.shortcuts import render


def not_found(request, exception=None):
    if request.path_info.startswith("/api/"):
        # API clients get problem+json for unknown addresses too, never an HTML page.
        from peerarmy.api.problems import not_found_response

        return not_found_response(request)
    return render(request, "web/errors/404.html", status=404)


def forbidden(request, exception=None):
    return render(request, "web/errors/403.html", status=403)
