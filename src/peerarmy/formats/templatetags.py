"""`{{ when|moment }}` and `{{ when|moment:"no year" }}`: a short moment in the reader's
language and time zone, in every template (a builtin, e-mails included).
`{{ business|clock_place }}`: where the shop's clock is read, as a person names it
("Bologna"), never a zone's code. `{{ number|phone }}`: a phone number grouped as people
read it ("+39 051 123 4567")."""

from django import template

from . import short_moment

register = template.Library()


@register.filter(expects_localtime=True)
def moment(value, arg="year"):
    return short_moment(value, year=arg != "no year")


@register.filter
def clock_place(business):
    """The business's city; without one, the place of its time zone ("Europe/Rome" → "Rome")."""
    city = getattr(business, "city", "") or ""
    if city.strip():
        return city.strip()
    zone = getattr(business, "timezone", "") or ""
    return zone.rpartition("/")[2].replace("_", " ") or zone


@register.filter
def phone(value):
    """A phone number kept in E.164 ("+390511234567") as people read it ("+39 051 123 4567");
    anything else as it is."""
    import phonenumbers

    text = str(value or "")
    try:
        number = phonenumbers.parse(text, "IT")
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_valid_number(number):
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
