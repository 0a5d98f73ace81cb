"""Month-precise date windows, stored as real dates and written the way the plan documents write them."""

import calendar
import datetime as dt


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
