from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.access import get_object_for_user
from core.forms import add_service_errors
from dialer import selectors, services
from dialer.forms import WorkstationTokenForm
from dialer.models import WorkstationToken


def _page(request, form, issued=None, status=200):
    tokens = list(selectors.tokens_of(request.user))
    since = timezone.now() - timedelta(seconds=settings.DIALER_ONLINE_SECONDS)
    for token in tokens:
        token.online = bool(token.last_seen_at and token.last_seen_at >= since)
    context = {"form": form, "tokens": tokens, "issued": issued}
    return render(request, "dialer/token_list.html", context, status=status)


@require_GET
def token_list(request):
    """The user's workstation tokens: create one (shown once), see when each was last used, revoke."""
    return _page(request, WorkstationTokenForm(initial={"name": request.user.workstation}))


@require_POST
@never_cache
def token_create(request):
    form = WorkstationTokenForm(request.POST)
    if form.is_valid():
        try:
            issued = services.token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # Rendered, not redirected: the secret must not wait in a session for the next page.
            return _page(request, WorkstationTokenForm(), issued=issued)
    return _page(request, form, status=400)


@require_POST
def token_revoke(request, pk: int):
    token = get_object_for_user(WorkstationToken, request.user, pk=pk)
    services.token_revoke(token=token)
    messages.success(request, f"Token «{token.name}» revocado: esa estación ya no puede marcar.")
    return redirect("dialer:token_list")
