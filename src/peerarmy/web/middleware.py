"""Headers every page carries. The Content-Security-Policy lets a page run only the scripts
this installation serves (no inline script, no handler attribute, no script from elsewhere):
an injected `<script>` or `onerror=` does nothing even if a text slipped through escaping."""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
