"""Custom error pages in the shell's style. They render without the sidebar's queries so an
error page never fails itself (a 500 may come from a broken database)."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else "No tienes permiso para ver esta página."
    return render(request, "403.html", {"message": message}, status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request):
    # No request context: the failure may be the database the sidebar and bell would query.
    return HttpResponseServerError(loader.get_template("500.html").render({}))
