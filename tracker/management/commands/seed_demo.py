"""Demo data for a first look at the portal. Refuses to run outside DEBUG unless forced."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tracker.demo import DEMO_PASSWORD, seed_demo
from tracker.org.models import Institution, Profile


class Command(BaseCommand):
    help = "Create demo colleges, member units, one account per role and some progress (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even when DJANGO_DEBUG is false.")

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Demo accounts have a known password: refusing outside DEBUG (use --force).")
        accounts = seed_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all: {DEMO_PASSWORD}):"))
        names = dict(Institution.objects.values_list("code", "name"))
        for account in accounts:
            where = " · ".join(filter(None, [names.get(account.institution), account.unit]))
            role = Profile.Role(account.role).label
            self.stdout.write(f"  {account.username:<12} {role:<10} {account.name}  {where}")
