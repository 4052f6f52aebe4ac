"""The access matrix: every URL × every role, reused by every module's tests.

A module lists its routes once with the status each role must get; :func:`check_matrix` walks
them all (plus an anonymous visitor), and :func:`assert_covered` fails when a URL of the module
exists without a row — so a new view cannot ship without its access tested.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver, reverse

ROLES = ("agente", "supervisor", "backoffice", "calidad", "admin")
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Route:
    name: str
    expect: dict[str, int]
    kwargs: Callable[[dict], dict] | None = None
    method: str = "get"
    data: dict = field(default_factory=dict)
    query: str = ""
    public: bool = False

    def url(self, users: dict) -> str:
        url = reverse(self.name, kwargs=self.kwargs(users) if self.kwargs else None)
        return f"{url}?{self.query}" if self.query else url


def allow(*roles: str, status: int = 200, others: int = 403) -> dict[str, int]:
    """``allow("supervisor")`` → supervisor and admin get 200, everyone else 403."""
    granted = set(roles) | {"admin"}
    return {role: (status if role in granted else others) for role in ROLES}


def everyone(status: int = 200) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def check_matrix(client, users: dict, routes: Iterable[Route]) -> list[str]:
    """Request every route as every role; returns the list of mismatches (empty when all pass)."""
    from django.conf import settings

    failures = []
    for route in routes:
        url = route.url(users)
        for role in (*ROLES, ANONYMOUS):
            client.logout()
            if role == ANONYMOUS:
                expected = route.expect.get(ANONYMOUS, 200 if route.public else 302)
            else:
                expected = route.expect[role]
                client.force_login(users[role], backend="django.contrib.auth.backends.ModelBackend")
            response = getattr(client, route.method)(url, data=route.data)
            if response.status_code != expected:
                failures.append(f"{route.method.upper()} {url} as {role}: {response.status_code} != {expected}")
            elif role == ANONYMOUS and expected == 302 and not route.public:
                login = reverse(settings.LOGIN_URL)
                if not response["Location"].startswith(login):
                    failures.append(f"{url} anonymous: redirected to {response['Location']}, not to login")
    return failures


def url_names(namespace: str) -> set[str]:
    """Every named URL of ``namespace`` (``"core"`` → ``{"core:home", …}``)."""
    names: set[str] = set()

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{prefix}{pattern.name}")

    walk(get_resolver().url_patterns, "")
    return {name for name in names if name.startswith(f"{namespace}:") or (not namespace and ":" not in name)}


def assert_covered(routes: Iterable[Route], namespace: str, *, exclude: Iterable[str] = ()) -> None:
    covered = {route.name for route in routes}
    missing = url_names(namespace) - covered - set(exclude)
    assert not missing, f"URLs without an access-matrix row: {sorted(missing)}"
