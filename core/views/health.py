from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import run_checks


@login_not_required
@never_cache
@require_GET
def health(request):
    report = run_checks()
    return JsonResponse(report, status=503 if report["down"] else 200)
