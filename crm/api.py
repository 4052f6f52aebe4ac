"""The project's machine API (django-ninja): each app adds its routers here.

Mounted at ``/api/``; the OpenAPI schema and its docs (``/api/docs``) need a signed-in user,
the operations authenticate themselves (``dialer.auth``) and so skip the login redirect.
"""

from django.core.exceptions import ValidationError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from dialer.api import calls_router, dialer_router
from dialer.auth import RateLimited
from dialer.services import NotFound

api = NinjaAPI(
    title="CREA CRM API",
    version="1",
    description="Machine API of CREA CRM: the workstations' dialer agents (see docs/dialer_agent.md).",
    urls_namespace="api",
    docs_url="/docs",
)
api.add_router("/dialer/", dialer_router)
api.add_router("/calls/", calls_router)


@api.exception_handler(AuthenticationError)
def unauthorized(request, exc):
    return api.create_response(request, {"detail": "unknown or revoked workstation token"}, status=401)


@api.exception_handler(RateLimited)
def rate_limited(request, exc):
    response = api.create_response(request, {"detail": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(NotFound)
def not_found(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=404)


@api.exception_handler(ValidationError)
def invalid(request, exc):
    return api.create_response(request, {"detail": "; ".join(exc.messages)}, status=400)


def _urls():
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if pattern.name not in ("openapi-json", "openapi-view", "api-root"):
            pattern.callback.login_required = False
    return patterns, app_name, namespace


urls = _urls()
