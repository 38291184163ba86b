"""`peerarmy token create --business SLUG --user EMAIL`: prints a new API token once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from peerarmy.accounts.services import create_token
from peerarmy.errors import DomainError
from peerarmy.tenancy.models import Business


class Command(BaseCommand):
    help = "Manage API tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it (shown only once)")
        create.add_argument("--business", required=True, help="the business's slug")
        create.add_argument("--user", required=True, help="e-mail of an owner or staff member")
        create.add_argument("--name", default="CLI")

    def handle(self, *args, action, **options):
        business = Business.objects.filter(slug=options["business"]).first()
        if business is None:
            raise CommandError(f"No business with the slug {options['business']!r}.")
        user = get_user_model().objects.filter(email__iexact=options["user"]).first()
        if user is None:
            raise CommandError(f"No account with the e-mail {options['user']!r}.")
        with scope(business=business):
            try:
                _token, raw = create_token(business=business, actor=user, name=options["name"])
            except DomainError as exc:
                raise CommandError(
                    f"{options['user']} is not an owner or staff member of {business.slug}: "
                    f"{exc.message}"
                ) from exc
        self.stdout.write(raw)
