from django.shortcuts import render


def not_found(request, exception=None):
    if request.path_info.startswith("/api/"):
        # API clients get problem+json for unknown addresses too, never an HTML page.
        from peerarmy.api.problems import not_found_response

        return not_found_response(request)
    return render(request, "web/errors/404.html", status=404)


def forbidden(request, exception=None):
    # a member refused by their role is told what the role lacks; anyone else gets the
    # page's general words (a CSRF failure's or a bare refusal's text is not for people)
    membership = getattr(request, "membership", None)
    reason = str(exception) if membership is not None and exception is not None else ""
    return render(
        request, "web/errors/403.html", {"reason": reason, "membership": membership}, status=403
    )
