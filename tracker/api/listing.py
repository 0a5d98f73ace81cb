"""What every endpoint shares: pages of results, filters named by a serializer, a stable order, conditional GET.

- Paging by page number (tracker/api/paging.py): `?page=2&page_size=100` (at most 200 a page; 50 by default).
- Filters: each list names its own in a small serializer (`filters`), the ones its page offers; a value that cannot
  be one (a date that is not a date, a status not in the list) is a 400 saying so, never silently ignored.
- Ordering: `?ordering=-date` among the list's `ordering_fields`; the id breaks ties, so pages never overlap, and an
  empty value (a task with no known due date) comes last either way, on SQLite as on PostgreSQL.
- Reads answer with an ETag (a hash of the body, as Django's ConditionalGetMiddleware makes it): a client that sends
  it back in If-None-Match gets 304 Not Modified while nothing it may see has changed.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required, login_required
from django.db.models import F, QuerySet
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import conditional_page
from rest_framework import serializers
from rest_framework.filters import BaseFilterBackend, OrderingFilter
from rest_framework.generics import GenericAPIView


class QueryFilters(BaseFilterBackend):
    """The filters of the view's `filters` serializer, read from the query string and applied by `filter_by`."""

    def filter_queryset(self, request, queryset: QuerySet, view) -> QuerySet:
        form = getattr(view, "filters", None)
        if form is None:
            return queryset
        names = form().fields
        data = {name: request.query_params[name] for name in names if request.query_params.get(name, "") != ""}
        wanted = form(data=data, context=view.get_serializer_context())
        wanted.is_valid(raise_exception=True)
        return view.filter_by(queryset, wanted.validated_data)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        form = getattr(view, "filters", None)
        if form is None:
            return []
        parameters = []
        for name, field in form().fields.items():
            schema = view.schema._map_serializer_field(field, "request")  # drf-spectacular's own mapping
            parameter = {"name": name, "required": False, "in": "query", "schema": schema}
            if field.help_text:
                parameter["description"] = str(field.help_text)
            parameters.append(parameter)
        return parameters


class StableOrdering(OrderingFilter):
    """DRF's ordering, with the id last so that rows with equal keys keep one order from page to page."""

    def get_ordering(self, request, queryset, view) -> list[str]:
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not any(term.lstrip("-") in ("id", "pk") for term in ordering):
            ordering.append("id")
        return ordering

    def filter_queryset(self, request, queryset: QuerySet, view) -> QuerySet:
        """Each key with empty values last (the databases disagree where NULL sorts when nothing says)."""
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        return queryset.order_by(*(F(term[1:]).desc(nulls_last=True) if term.startswith("-")
                                   else F(term).asc(nulls_last=True) for term in ordering))


class Endpoint(GenericAPIView):
    """An API endpoint: authenticated by DRF (a token or the session), so Django's sign-in redirect stands aside;
    its reads carry an ETag and vary with the credentials sent."""

    filter_backends = [QueryFilters, StableOrdering]
    filters: type[serializers.Serializer] | None = None
    ordering_fields: list[str] = []
    # The portal's own pages (the documentation page) keep the sign-in redirect; the API answers 401 instead.
    token_entry = True

    @classmethod
    def as_view(cls, **initkwargs):
        view = conditional_page(super().as_view(**initkwargs))
        # DRF marks its views as needing no sign-in (it authenticates itself); a page sends the signed-out to sign in.
        return login_not_required(view) if cls.token_entry else login_required(view)

    def filter_by(self, queryset: QuerySet, wanted: dict) -> QuerySet:
        """The rows that pass the filters asked for (`wanted`: the `filters` serializer's validated data)."""
        return queryset

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ("Authorization",))
        patch_cache_control(response, private=True, no_cache=True)  # revalidate with the ETag each time
        return response
