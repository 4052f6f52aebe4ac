"""The access layer: visible_to per role, get_object_for_user, role gates."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.views import View

from core.access import RoleRequiredMixin, get_object_for_user, role_required, scope_for
from core.models import Campaign, CampaignMembership, FollowUp, User
from core.roles import Role
from core.testing.factories import FollowUpFactory

pytestmark = pytest.mark.django_db


def names(queryset):
    return {str(getattr(obj, "username", None) or obj.name) for obj in queryset}


def test_users_visible_to(users):
    visible = lambda role: names(User.objects.visible_to(users[role]))  # noqa: E731
    assert visible("agente") == {"agente"}
    assert visible("supervisor") == {"supervisor", "agente", "agente_b"}
    # backoffice and quality see the people of their campaigns
    assert visible("backoffice") == {"backoffice", "supervisor", "agente", "agente_b", "calidad"}
    assert visible("admin") == names(User.objects.all())


def test_campaigns_visible_to(users):
    visible = lambda role: names(Campaign.objects.visible_to(users[role]))  # noqa: E731
    assert visible("agente") == {"Cobranza CR"}
    assert visible("agente_b") == {"Cobranza CR", "Telefónica CR"}
    assert visible("supervisor") == {"Cobranza CR", "Telefónica CR"}  # own + team's campaigns
    assert visible("calidad") == {"Cobranza CR"}
    assert visible("admin") == {"Cobranza CR", "Telefónica CR", "Otra campaña"}


def test_inactive_and_anonymous_users_see_nothing(users):
    from django.contrib.auth.models import AnonymousUser

    users["agente"].is_active = False
    assert not User.objects.visible_to(users["agente"]).exists()
    assert not Campaign.objects.visible_to(AnonymousUser()).exists()
    assert not FollowUp.objects.visible_to(AnonymousUser()).exists()


def test_scope_for_by_campaign(users, campaign):
    """A model with a campaign path: module roles by membership, supervisors by their team's campaigns."""
    memberships = CampaignMembership.objects.all()
    assert scope_for(memberships, users["calidad"], campaign="campaign").filter(campaign=campaign).exists()
    assert not scope_for(memberships, users["calidad"], campaign="campaign").exclude(campaign=campaign).exists()
    assert scope_for(memberships, users["agente"], campaign="campaign", owner="user").get().user == users["agente"]
    assert scope_for(memberships, users["admin"], campaign="campaign").count() == memberships.count()
    assert not scope_for(memberships, users["agente"]).exists()


def test_get_object_for_user_answers_404(users):
    follow_up = FollowUpFactory(owner=users["agente"])
    assert get_object_for_user(FollowUp, users["supervisor"], pk=follow_up.pk) == follow_up
    with pytest.raises(Http404):
        get_object_for_user(FollowUp, users["outsider"], pk=follow_up.pk)
    with pytest.raises(Http404):
        get_object_for_user(FollowUp.objects.all(), users["agente"], pk="not-a-number")


def test_role_required_and_mixin(users):
    @role_required(Role.SUPERVISOR)
    def view(request):
        return HttpResponse("ok")

    class QualityView(RoleRequiredMixin, View):
        allowed_roles = (Role.CALIDAD,)

        def get(self, request):
            return HttpResponse("ok")

    request = RequestFactory().get("/")
    for role, allowed_fn, allowed_cls in [
        ("supervisor", True, False),
        ("admin", True, True),
        ("agente", False, False),
        ("calidad", False, True),
    ]:
        request.user = users[role]
        if allowed_fn:
            assert view(request).status_code == 200
        else:
            with pytest.raises(PermissionDenied):
                view(request)
        if allowed_cls:
            assert QualityView.as_view()(request).status_code == 200
        else:
            with pytest.raises(PermissionDenied):
                QualityView.as_view()(request)


def test_service_errors_land_on_their_fields_or_the_form():
    from django import forms as django_forms

    from core.forms import add_service_errors

    class NoteForm(django_forms.Form):
        note = django_forms.CharField(required=False)

    form = NoteForm({"note": "x"})
    assert form.is_valid()
    add_service_errors(form, ValidationError({"note": "Nota inválida.", "other": "Otro problema."}))
    add_service_errors(form, ValidationError("Error general."))
    assert form.errors["note"] == ["Nota inválida."]
    assert form.non_field_errors() == ["Otro problema.", "Error general."]
    plain = NoteForm({"note": "x"})
    plain.is_valid()
    add_service_errors(plain, ValidationError("Va al campo."), default_field="note")
    assert plain.errors["note"] == ["Va al campo."]
