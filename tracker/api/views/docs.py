"""The OpenAPI 3 schema (for programs: a token or the session) and the browsable documentation page (Swagger UI,
its files from drf-spectacular-sidecar served as the portal's own static files: nothing from a CDN)."""

from __future__ import annotations

from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated

from tracker.api.auth import PortalSessionAuthentication
from tracker.api.listing import Endpoint
from tracker.api.permissions import ReviewerScope


class Schema(Endpoint, SpectacularAPIView):
    """The schema as JSON (`?format=yaml` for YAML)."""

    permission_classes = [IsAuthenticated, ReviewerScope]
    renderer_classes = [OpenApiJsonRenderer, OpenApiYamlRenderer]


class Docs(Endpoint, SpectacularSwaggerSplitView):
    """Swagger UI over the schema, for people signed in to the portal (the signed-out are sent to sign in)."""

    token_entry = False
    authentication_classes = [PortalSessionAuthentication]
    permission_classes = [IsAuthenticated, ReviewerScope]
    template_name = "tracker/api/docs.html"
    url_name = "api:schema"
    title = "关工委优质化建设工作平台 API"
