"""`{{ when|moment }}` and `{{ when|moment:"no year" }}`: a short moment in the reader's
language and time zone, in every template (a builtin, e-mails included)."""

from django import template

from . import short_moment

register = template.Library()


@register.filter(expects_localtime=True)
def moment(value, arg="year"):
    return short_moment(value, year=arg != "no year")
