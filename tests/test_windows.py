import datetime as dt

import pytest

from tracker.org.windows import format_window, month_end, month_start


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (dt.date(2019, 9, 1), dt.date(2021, 7, 31), "2019.9—2021.7"),
        (dt.date(2021, 7, 1), dt.date(2021, 12, 31), "2021.7—12"),
        (None, dt.date(2019, 11, 30), "2019年11月前"),
        (dt.date(2022, 7, 1), dt.date(2022, 7, 31), "2022.7"),
    ],
)
def test_window_is_written_as_the_documents_write_it(start, end, expected):
    assert format_window(start, end) == expected


def test_month_bounds_are_real_dates():
    assert month_start(2019, 2) == dt.date(2019, 2, 1)
    assert month_end(2020, 2) == dt.date(2020, 2, 29)
    assert month_end(2021, 12) == dt.date(2021, 12, 31)
