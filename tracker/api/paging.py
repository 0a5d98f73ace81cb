"""Pages of results by number: `?page=2&page_size=100` (50 by default, at most 200). Its own module because DRF
imports the pagination class while it loads its generic views (tracker/api/listing.py imports those)."""

from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response_schema(self, schema: dict) -> dict:
        """DRF's shape, written for OpenAPI 3.1 (null is a type of its own there: no `nullable`)."""
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "description": "符合条件的总条数。"},
                "next": {**link, "description": "下一页的地址；最后一页为 null。"},
                "previous": {**link, "description": "上一页的地址；第一页为 null。"},
                "results": schema,
            },
        }
