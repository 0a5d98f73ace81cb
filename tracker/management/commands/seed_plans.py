"""Load the two seed plans, then their quotas and the demonstration standards, once each; a second run leaves
recorded progress alone."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tracker.assessments.models.standards import Standard, StandardGroup, StandardItem
from tracker.org.models import Institution
from tracker.quotas.models import Quota

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "seed_plans.json"
QUOTA_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "seed_quotas.json"
STANDARD_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "seed_standards.json"
SEED_INSTITUTIONS = ("cumt", "suda")


class Command(BaseCommand):
    help = (
        "Load fixtures/seed_plans.json unless its institutions are already in the database, then "
        "fixtures/seed_quotas.json unless their quotas are, then fixtures/seed_standards.json unless its "
        "standards are."
    )

    def handle(self, *args, **options) -> None:
        self._load_plans()
        self._load_quotas()
        self._load_standards()

    def _load_plans(self) -> None:
        present = Institution.objects.filter(code__in=SEED_INSTITUTIONS).count()
        if present == len(SEED_INSTITUTIONS):
            self.stdout.write("Seed plans already loaded; nothing changed.")
            return
        if present or Institution.objects.exists():
            # The fixture carries fixed primary keys: loading it over other rows would overwrite them.
            raise CommandError("Other institutions exist already; refusing to load the seed plans over them.")
        call_command("loaddata", str(FIXTURE), verbosity=0)
        self.stdout.write(self.style.SUCCESS("Seed plans loaded."))

    def _load_quotas(self) -> None:
        # Loaded on their own, so a database seeded before the quotas existed gets them on the next run.
        if Quota.objects.filter(institution__code__in=SEED_INSTITUTIONS).exists():
            self.stdout.write("Seed quotas already loaded; nothing changed.")
            return
        if Quota.objects.exists():
            # Fixed primary keys again: never overwrite quotas someone entered.
            raise CommandError("Other quotas exist already; refusing to load the seed quotas over them.")
        call_command("loaddata", str(QUOTA_FIXTURE), verbosity=0)
        self.stdout.write(self.style.SUCCESS("Seed quotas loaded."))

    def _load_standards(self) -> None:
        # The standards are shared (no institution): they are found by name among the shared ones.
        records = json.loads(STANDARD_FIXTURE.read_text(encoding="utf-8"))
        names = [r["fields"]["name"] for r in records if r["model"] == "tracker.standard"]
        if Standard.objects.filter(institution__isnull=True, name__in=names).exists():
            self.stdout.write("Seed standards already loaded; nothing changed.")
            return
        models = {"tracker.standard": Standard, "tracker.standardgroup": StandardGroup,
                  "tracker.standarditem": StandardItem}
        for label, model in models.items():
            pks = [r["pk"] for r in records if r["model"] == label]
            if model.objects.filter(pk__in=pks).exists():
                # Fixed primary keys: never overwrite a standard someone imported.
                raise CommandError("Other standards use the seed standards' ids; refusing to load them over them.")
        call_command("loaddata", str(STANDARD_FIXTURE), verbosity=0)
        self.stdout.write(self.style.SUCCESS("Seed standards loaded."))
