"""Month-precise date windows, stored as real dates and written the way the plan documents write them."""

import calendar
import datetime as dt
import re


def month_start(year: int, month: int) -> dt.date:
    """The first day of a month."""
    return dt.date(year, month, 1)


def month_end(year: int, month: int) -> dt.date:
    """The last day of a month."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def format_window(start: dt.date | None, end: dt.date | None) -> str:
    """Write a window as the documents do: 2019.9—2021.7, 2021.7—12, 2019年11月前."""
    if start is None and end is None:
        return ""
    if start is None:
        return f"{end.year}年{end.month}月前"
    if end is None:
        return f"{start.year}.{start.month}起"
    if start.year == end.year and start.month == end.month:
        return f"{start.year}.{start.month}"
    if start.year == end.year:
        return f"{start.year}.{start.month}—{end.month}"
    return f"{start.year}.{start.month}—{end.year}.{end.month}"


def shift_by_months(day: dt.date | None, months: int) -> dt.date | None:
    """`day` moved by `months` (negative: back), keeping month precision: the first of a month stays the first, the
    last day of a month stays the last (2021-02-28 + 36 months is 2024-02-29), any other day keeps its number where
    the month has it (else the month's last day: 1-31 + 1 month is 2-28)."""
    if day is None:
        return None
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if day == month_end(day.year, day.month):
        return month_end(year, month)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole months from the month of `earlier` to the month of `later` (2021-07-15 → 2025-09-01: 50)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


# --- Reading a window back (the plan import) --------------------------------------------------------------------

_MONTH = r"(\d{4})\s*(?:[.．/\-]\s*|年\s*)(\d{1,2})\s*月?"
_DASH = r"\s*(?:[—–\-－~～]+|至|到)\s*"
_RANGE = re.compile(rf"^{_MONTH}{_DASH}(?:(\d{{4}})\s*(?:[.．/\-]\s*|年\s*))?(\d{{1,2}})\s*月?$")
_BEFORE = re.compile(rf"^{_MONTH}\s*(?:前|以前|之前)$")
_FROM = re.compile(rf"^{_MONTH}\s*(?:起|以后|之后)$")
_SINGLE = re.compile(rf"^{_MONTH}$")


def _month(year: str, month: str) -> tuple[int, int]:
    number = int(month)
    if not 1 <= number <= 12:
        raise ValueError(f"month {month} of {year}")
    return int(year), number


def parse_window(text: str) -> tuple[dt.date | None, dt.date | None]:
    """The window `format_window` writes, read back: 2019.9—2021.7, 2021.7—12, 2022.7, 2019年11月前, 2019.9起
    (also 2019年9月—2021年7月, 2019.09-2021.07, 至 for the dash); "" is no window. ValueError for anything else,
    a month like 2019.13 and a reversed window included."""
    text = text.strip().replace("\u3000", " ")
    if not text:
        return None, None
    if match := _RANGE.match(text):
        start = _month(match[1], match[2])
        end = _month(match[3] or match[1], match[4])
        if end < start:
            raise ValueError(f"reversed window {text}")
        return month_start(*start), month_end(*end)
    if match := _BEFORE.match(text):
        return None, month_end(*_month(match[1], match[2]))
    if match := _FROM.match(text):
        return month_start(*_month(match[1], match[2])), None
    if match := _SINGLE.match(text):
        year, month = _month(match[1], match[2])
        return month_start(year, month), month_end(year, month)
    raise ValueError(f"not a window: {text}")
