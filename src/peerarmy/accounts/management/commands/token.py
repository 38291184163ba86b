"""`peerarmy token create --business SLUG --user EMAIL`: prints a new API token once."""

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.selectors import get_user_by_email
from peerarmy.accounts.services import create_token
from peerarmy.errors import DomainError, NotFound
from peerarmy.inputs import InvalidInput
from peerarmy.tenancy.selectors import get_business_by_slug


class Command(BaseCommand):
    requires_system_checks = []  # an operator's command: start at once
    help = "Manage API tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it (shown only once)")
        create.add_argument("--business", required=True, help="the business's slug")
        create.add_argument("--user", required=True, help="e-mail of an owner or staff member")
        create.add_argument("--name", default="CLI")

    def handle(self, *args, action, **options):
        try:
            business = get_business_by_slug(options["business"])
        except NotFound:
            raise CommandError(f"No business with the slug {options['business']!r}.") from None
        try:
            user = get_user_by_email(options["user"])
        except NotFound:
            raise CommandError(f"No account with the e-mail {options['user']!r}.") from None
        try:
            data = TokenInput.parse({"name": options["name"]})
        except InvalidInput as exc:
            raise CommandError(f"--name: {exc.message}") from None
        with scope(business=business):
            try:
                _token, raw = create_token(business=business, actor=user, data=data).value
            except DomainError as exc:
                raise CommandError(
                    f"{options['user']} is not an owner or staff member of {business.slug}: "
                    f"{exc.message}"
                ) from exc
        self.stdout.write(raw)
