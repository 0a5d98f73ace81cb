"""The portal's URLs plus, for the benchmark only, the bare page: the stack's own ceiling for a page of a size.

GET /bench/bare/?rows=R&cols=C&bytes=B renders bench/bare.html, a table of R rows × C cells, from lists built once
and then held in memory (no query of its own), with cell text long enough that the page is about B bytes, like the
portal page it stands beside. It goes through the same middleware, session, sign-in and context processors as every
portal page, so the ratio page ÷ bare measures what the page itself costs: its queries, its Python, its template.
"""

from functools import lru_cache

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from youthwork.urls import urlpatterns as portal_urlpatterns

CELL = "优质化建设基准"  # 7 characters, 21 bytes in UTF-8
SKELETON = 200  # bytes of bench/bare.html around the table
PER_CELL, PER_ROW = len("<td></td>"), len("<tr></tr>\n")


@lru_cache(maxsize=256)
def table(rows: int, cols: int, size: int) -> tuple[tuple[str, ...], ...]:
    """R × C cell texts whose rendering is about `size` bytes."""
    cells = max(1, rows * cols)
    text_bytes = max(3, (size - SKELETON - rows * PER_ROW - cells * PER_CELL) // cells)
    chars = max(1, text_bytes // 3)
    text = (CELL * (chars // len(CELL) + 1))[:chars]
    return tuple(tuple(text for _ in range(cols)) for _ in range(rows))


def _number(request: HttpRequest, name: str, default: int, most: int) -> int:
    value = request.GET.get(name, "")
    return min(most, int(value)) if value.isdigit() else default


def bare(request: HttpRequest) -> HttpResponse:
    rows = _number(request, "rows", 30, 20_000)
    cols = _number(request, "cols", 25, 200)
    size = _number(request, "bytes", 50_000, 20_000_000)
    return render(request, "bench/bare.html", {"rows": table(rows, cols, size)})


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *portal_urlpatterns]
