"""The benchmark's province part (issue 18): which universities are light, and how two load clients' latencies are
merged into one p50 / p99 (bench/run.py). No database: the generator itself is tested in tests/test_benchdata.py."""

from __future__ import annotations

import random

from bench import run
from bench.benchdata import LIGHT, UNIVERSITY, size_for


def test_universities_from_light_from_on_are_light_but_whole():
    assert [size_for(index, UNIVERSITY, 11) for index in (1, 10)] == [UNIVERSITY, UNIVERSITY]
    assert [size_for(index, UNIVERSITY, 11) for index in (11, 160)] == [LIGHT, LIGHT]
    assert size_for(160, UNIVERSITY, None) == UNIVERSITY  # no light_from: all full
    small = UNIVERSITY.scaled(0.02)
    assert size_for(1, small, 1) == small  # a test's small university is never swapped for LIGHT
    # Lighter in volume, whole in structure: every college, unit and standard item is there.
    assert (LIGHT.colleges, LIGHT.member_units, LIGHT.items) == (UNIVERSITY.colleges, UNIVERSITY.member_units,
                                                                  UNIVERSITY.items)
    assert LIGHT.volunteers < UNIVERSITY.volunteers and LIGHT.activities < UNIVERSITY.activities


def quantiles(latencies: list[float]) -> list[tuple[float, float]]:
    """What bench/latency.lua prints for a run: (percent, latency) at its grid of percents."""
    ordered = sorted(latencies)
    grid = [i / 2 for i in range(1, 191)] + [i / 10 for i in range(951, 1000)] + [99.95, 99.99, 100]
    return [(p, ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]) for p in grid]


def test_two_runs_latencies_merge_as_if_they_were_one():
    rng = random.Random(18)
    fast = [rng.uniform(10, 20) for _ in range(3000)]  # server A
    slow = [rng.uniform(100, 200) for _ in range(1000)]  # server B: a quarter of the requests, ten times slower
    merged = run.merge_quantiles([(len(fast), quantiles(fast)), (len(slow), quantiles(slow))], 0.5)
    both = sorted(fast + slow)
    assert abs(merged - both[len(both) // 2]) < 0.2  # the median of all 4,000 requests: a fast one
    p99 = run.merge_quantiles([(len(fast), quantiles(fast)), (len(slow), quantiles(slow))], 0.99)
    assert abs(p99 - both[int(0.99 * len(both))]) < 2  # deep in the slow server's tail
    assert p99 > 190
    # One run alone: its own quantiles back.
    alone = quantiles(fast)
    assert run.merge_quantiles([(len(fast), alone)], 0.5) == dict(alone)[50.0]
    assert run.merge_quantiles([(len(fast), alone)], 0.99) == dict(alone)[99.0]
