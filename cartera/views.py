from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST

from cartera import queue, selectors, services
from cartera.filters import DebtorFilter
from cartera.forms import AssignForm, GestionForm
from core.access import role_required
from core.choices import Module
from core.forms import add_service_errors
from core.lists import FilteredListView
from core.models import Campaign
from core.roles import Role
from dialer import selectors as dialer_selectors
from dialer.context_processors import CallWidget
from dialer.forms import manual_call_form


def _primary_phone(debtor):
    return debtor.primary[0].e164 if getattr(debtor, "primary", None) else ""


class CappedPaginator(Paginator):
    """Counts no further than ``cap`` + 1 rows. Counting a supervisor's million debtors took
    longer than the whole page should (docs/decisions.md): past the cap the list says "más de
    10.000" and pages up to the cap; filters narrow it, the export has every row.

    A short list (``few`` rows or fewer: most searches) is found once, by id, and its pages are
    read by id through ``rows_by_pk``: a name search is then run once, not again to count. A
    longer one reads a page's ids in list order, then their rows."""

    cap = 10_000
    few = 200

    def __init__(self, object_list, per_page, *, rows_by_pk, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.rows_by_pk = rows_by_pk

    @cached_property
    def _few_pks(self) -> list[int] | None:
        pks = list(self.object_list.order_by().values_list("pk", flat=True)[: self.few + 1])
        return pks if len(pks) <= self.few else None

    @cached_property
    def count(self) -> int:
        if self._few_pks is not None:
            return len(self._few_pks)
        return self.object_list.order_by()[: self.cap + 1].count()

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if self._few_pks is not None:
            return self._get_page(self.rows_by_pk(self._few_pks)[bottom : bottom + self.per_page], number, self)
        # The page's ids first: the rows skipped to reach a deep page are read from the index
        # alone, not fetched from the table one by one.
        pks = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        return self._get_page(self.rows_by_pk(pks), number, self)

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        if self.capped:
            return max(self.cap // self.per_page, 1)
        return Paginator.num_pages.func(self)

    @property
    def cap_display(self) -> str:
        return f"{self.cap:,}".replace(",", ".")


class DebtorListView(FilteredListView):
    template_name = "cartera/debtor_list.html"
    partial_template_name = "cartera/partials/debtor_table.html"
    filterset_class = DebtorFilter
    export_name = "deudores"
    export_columns = [
        ("Campaña", "campaign.name"),
        ("Tipo doc.", "get_document_type_display"),
        ("Documento", "document_number"),
        ("Nombre", "full_name"),
        ("Teléfono", _primary_phone),
        ("Correo", "email"),
        ("Ciudad", "city"),
        ("Saldo", "amount_due"),
        ("Vencimiento", "due_date"),
        ("Días de mora", "days_past_due"),
        ("Tramo", "bucket_label"),
        ("Agente", lambda d: str(d.assigned_agent or "")),
        ("Última tipificación", lambda d: d.last_outcome.code if d.last_outcome else ""),
        ("Último contacto", "last_contact_at"),
    ]

    def get_queryset(self):
        return selectors.debtor_list(user=self.request.user)

    def get_paginator(self, queryset, per_page: int) -> CappedPaginator:
        return CappedPaginator(queryset, per_page, rows_by_pk=lambda pks: selectors.debtor_rows(pks=pks))


WORKERS = (Role.AGENTE, Role.SUPERVISOR, Role.ADMINISTRADOR)


def debtor_detail(request, pk: int, form: GestionForm | None = None):
    debtor = selectors.debtor_detail(user=request.user, pk=pk)
    other = queue.lease_holder_other_than(debtor=debtor, user=request.user)
    if other is None and request.user.role == Role.AGENTE:
        queue.lease_take(debtor=debtor, agent=request.user, config=debtor.config)  # opening the card takes it
    can_work = other is None and request.user.role in WORKERS
    outcomes = list(debtor.campaign.outcomes.filter(active=True)) if can_work else []
    phones = list(debtor.phones.all())
    callable_phones = [phone.e164 for phone in phones if not phone.invalid]
    # One query for both: the top bar's running call and the call the gestión form attaches.
    current_call, linkable_call = selectors.card_calls(user=request.user, debtor=debtor)
    if form is None and can_work:
        form = GestionForm(debtor=debtor, agent=request.user, phones=phones, call=linkable_call)
        status = 200
    else:
        status = 400 if form is not None else 200
    return render(
        request,
        "cartera/debtor_detail.html",
        {
            "debtor": debtor,
            "state": selectors.debtor_state(debtor=debtor, config=debtor.config),
            "phones": phones,
            "gestiones": selectors.debtor_gestiones(debtor=debtor),
            "agreements": selectors.debtor_agreements(debtor=debtor, grace_days=debtor.config.grace_days),
            "follow_ups": selectors.debtor_follow_ups(debtor=debtor),
            "changes": debtor.history.select_related("history_user")[:20],
            "held_by": other,
            "can_work": can_work,
            "outcomes": outcomes,
            "form": form,
            "call_widget": CallWidget(request.user, call=current_call),
            "station_online": dialer_selectors.workstation_online(user=request.user) if callable_phones else False,
            "manual_form": manual_call_form(debtor, callable_phones) if callable_phones else None,
        },
        status=status,
    )


@require_POST
@role_required(*WORKERS)
def gestion_create(request, pk: int):
    debtor = selectors.debtor_detail(user=request.user, pk=pk)
    form = GestionForm(request.POST, debtor=debtor, agent=request.user)
    if form.is_valid():
        try:
            gestion = services.gestion_create(debtor=debtor, agent=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Gestión {gestion.outcome.code} guardada para {debtor.full_name}.")
            if request.POST.get("then") == "card":
                return redirect("cartera:debtor_detail", pk=debtor.pk)
            return redirect(f"{reverse('cartera:queue_next')}?campaign={debtor.campaign_id}")
    return debtor_detail(request, pk, form=form)


@role_required(Role.AGENTE, Role.SUPERVISOR)
def queue_next(request):
    """ "Siguiente": claim the next debtor of the chosen collections campaign and open its card."""
    campaigns = Campaign.objects.visible_to(request.user).filter(module=Module.CARTERA, active=True)
    campaign = campaigns.select_related("cartera_settings").filter(pk=request.GET.get("campaign") or 0).first()
    if campaign is None and campaigns.count() == 1:
        campaign = campaigns.select_related("cartera_settings").get()
    if campaign is None:
        return render(request, "cartera/queue_choose.html", {"campaigns": campaigns})
    debtor = queue.next_debtor(agent=request.user, campaign=campaign)
    if debtor is None:
        messages.info(request, f"No hay deudores pendientes en {campaign.name}.")
        return render(request, "cartera/queue_choose.html", {"campaigns": campaigns, "empty": campaign})
    return redirect("cartera:debtor_detail", pk=debtor.pk)


@require_POST
@role_required(Role.AGENTE)
def lease_heartbeat(request, pk: int):
    debtor = selectors.debtor_detail(user=request.user, pk=pk)
    kept = queue.lease_heartbeat(debtor=debtor, agent=request.user, config=debtor.config)
    return JsonResponse({"held": kept}, status=200 if kept else 409)


@role_required(Role.SUPERVISOR)
def debtors_assign(request):
    """Bulk (re)assignment: the debtor filters choose who, the form chooses among which agents."""
    filterset = DebtorFilter(request.GET or None, queryset=selectors.debtor_list(user=request.user), request=request)
    debtors = filterset.qs if (not filterset.is_bound or filterset.is_valid()) else filterset.queryset.none()
    form = AssignForm(request.POST or None, user=request.user)
    total = debtors.count()
    if request.method == "POST" and form.is_valid():
        try:
            counts = services.debtors_assign(debtors=debtors, agents=form.cleaned_data["agents"], by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{sum(counts.values())} deudores repartidos entre {len(counts)} agentes.")
            return redirect(f"{reverse('cartera:debtor_list')}?{request.GET.urlencode()}")
    chosen = (
        list(form.cleaned_data["agents"]) if form.is_bound and form.is_valid() else list(form.fields["agents"].queryset)
    )
    return render(
        request,
        "cartera/assign.html",
        {
            "filter": filterset,
            "form": form,
            "total": total,
            "split": services.assignment_split(total=total, agents=chosen),
            "querystring": request.GET.urlencode(),
        },
    )
