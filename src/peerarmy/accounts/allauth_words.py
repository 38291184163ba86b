"""django-allauth's own words on the sign-up, log-in, verification and password pages,
translated again in peerarmy's catalogue so that they read like the rest of the product in
Italian ("E-mail", "Registrati", one way of writing "e-mail"). The catalogue of
`LOCALE_PATHS` is read before allauth's, so these win; they are listed here only so that
`scripts/i18n.py update` keeps them."""

from django.utils.translation import gettext_noop as _

WORDS = (
    _("Email"),
    _("Email address"),
    _("Sign Up"),
    _("If you have not created an account yet, then please %(link)ssign up%(end_link)s first."),
    _("Already have an account? Then please %(link)ssign in%(end_link)s."),
    _(
        "Forgotten your password? Enter your email address below, and we'll send you an email "
        "allowing you to reset it."
    ),
    _("Reset My Password"),
    _("Please contact us if you have any trouble resetting your password."),
    _("The email address and/or password you specified are not correct."),
    _("A user is already registered with this email address."),
    _("Your email has been confirmed."),
    _(
        "We have sent you an email. If you have not received it please check your spam folder. "
        "Otherwise contact us if you do not receive it in a few minutes."
    ),
    _(
        "We have sent an email to you for verification. Follow the link provided to finalize "
        "the signup process. If you do not see the verification email in your main inbox, "
        "check your spam folder. Please contact us if you do not receive the verification "
        "email within a few minutes."
    ),
    _("Verify Your Email Address"),
    _("Confirm Email Address"),
    _(
        'Please confirm that <a href="mailto:%(email)s">%(email)s</a> is an email address for '
        "user %(user_display)s."
    ),
    _("You have confirmed %(email)s."),
    _("Confirmation email sent to %(email)s."),
    _(
        'This email confirmation link expired or is invalid. Please <a href="%(email_url)s">issue '
        "a new email confirmation request</a>."
    ),
)
