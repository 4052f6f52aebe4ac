from django.shortcuts import render

from core.selectors import home_context


def home(request):
    return render(request, "core/home.html", home_context(user=request.user))
