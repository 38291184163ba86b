"""`peerarmy business create SLUG --name NAME --owner EMAIL`."""

from django.core.management.base import BaseCommand, CommandError

from peerarmy.errors import DomainError
from peerarmy.inputs import InvalidInput
from peerarmy.tenancy.inputs import BusinessInput
from peerarmy.tenancy.selectors import businesses_by_slug
from peerarmy.tenancy.services import create_business

# The input's fields under the names the command gives them.
OPTIONS = {
    "name": "--name",
    "owner_email": "--owner",
    "city": "--city",
    "default_language": "--language",
    "timezone": "--timezone",
}


def _faults(exc: InvalidInput) -> str:
    """Every field at fault, on one line: `slug: This address is reserved.; --language: …`"""
    return "; ".join(
        f"{OPTIONS.get(field, field)}: {message}" if field else message
        for field, message in exc.errors
    )


class Command(BaseCommand):
    requires_system_checks = []  # an operator's command: start at once
    help = "Manage businesses (tenants)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a business and its owner's account")
        create.add_argument("slug", help="the address: /<slug>/")
        create.add_argument("--name", required=True)
        create.add_argument("--owner", required=True, help="the owner's e-mail address")
        create.add_argument("--city", default="")
        create.add_argument(
            "--language", default="it", help="the business's language: it or en (default it)"
        )
        create.add_argument("--timezone", default="Europe/Rome")
        sub.add_parser("list", help="list every business")

    def handle(self, *args, action, **options):
        if action == "list":
            for business in businesses_by_slug():
                self.stdout.write(f"{business.slug}\t{business.name}\t{business.city}")
            return
        try:
            data = BusinessInput.parse(
                {
                    "slug": options["slug"],
                    "name": options["name"],
                    "owner_email": options["owner"],
                    "city": options["city"],
                    "default_language": options["language"],
                    "timezone": options["timezone"],
                }
            )
            business, owner, created = create_business(data=data).value
        except InvalidInput as exc:
            # a language that is not offered is a usage error (exit 2), as it always was
            usage = any(field == "default_language" for field, _message in exc.errors)
            raise CommandError(_faults(exc), returncode=2 if usage else 1) from exc
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Created business {business.slug} ({business.name}).")
        )
        if created:
            self.stdout.write(
                f"Created the owner's account {owner.email}: they set a password with "
                "“forgot password” on the login page."
            )
        else:
            self.stdout.write(f"{owner.email} already had an account and is now the owner.")
