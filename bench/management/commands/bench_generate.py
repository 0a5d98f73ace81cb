"""Generate the benchmark's universities (bench/benchdata.py): `manage.py bench_generate --scale 10`."""

import time

from django.core.management.base import BaseCommand, CommandError

from bench.benchdata import DEFAULT_SEED, generate


class Command(BaseCommand):
    help = (
        "Add deterministic benchmark universities (基准测试大学NN): scale 1 = one university of 30 colleges, "
        "3,000 volunteers, 5,000 ledger entries …; scale 10 = ten. Universities already present are kept. "
        "Made-up data for `make bench`: never run it on a real deployment's database."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", type=float, default=1.0,
                            help="Universities to have (1, 10 …), or a fraction below 1 for one small university.")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed (same seed, same data).")
        parser.add_argument("--light-from", type=int, default=None,
                            help="Make universities from this one on lighter (bench.benchdata.LIGHT): the province "
                                 "scale, --scale 160 --light-from 11, in minutes.")

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        try:
            result = generate(options["scale"], seed=options["seed"], progress=self.stdout.write,
                              light_from=options["light_from"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        seconds = time.perf_counter() - started
        rows = sum(result.counts.values())
        self.stdout.write(self.style.SUCCESS(
            f"Added {len(result.added)} universities ({rows} rows besides history) in {seconds:.1f} s; "
            f"{len(result.skipped)} were there already."))
