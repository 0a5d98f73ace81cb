"""Load the two seed plans once; a second run leaves recorded progress alone."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tracker.models import Institution

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "seed_plans.json"
SEED_INSTITUTIONS = ("cumt", "suda")


class Command(BaseCommand):
    help = "Load fixtures/seed_plans.json unless its institutions are already in the database."

    def handle(self, *args, **options) -> None:
        present = Institution.objects.filter(code__in=SEED_INSTITUTIONS).count()
        if present == len(SEED_INSTITUTIONS):
            self.stdout.write("Seed plans already loaded; nothing changed.")
            return
        if present or Institution.objects.exists():
            # The fixture carries fixed primary keys: loading it over other rows would overwrite them.
            raise CommandError("Other institutions exist already; refusing to load the seed plans over them.")
        call_command("loaddata", str(FIXTURE), verbosity=0)
        self.stdout.write(self.style.SUCCESS("Seed plans loaded."))
