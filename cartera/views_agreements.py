"""Agreement pages: negotiate from the debtor card, the printable agreement with its schedule,
payments, approval by the supervisor, and the list."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cartera import agreements, selectors
from cartera.choices import AgreementStatus
from cartera.filters import AgreementFilter
from cartera.forms import AgreementForm, PaymentForm
from cartera.models import PaymentAgreement
from core.access import get_object_for_user, role_required
from core.exports import xlsx_response
from core.forms import add_service_errors
from core.lists import FilteredListView
from core.roles import Role

NEGOTIATORS = (Role.AGENTE, Role.SUPERVISOR)
CASHIERS = (Role.AGENTE, Role.SUPERVISOR, Role.BACKOFFICE)


def _agreement(request, pk: int) -> PaymentAgreement:
    queryset = PaymentAgreement.objects.with_broken().select_related("debtor__campaign", "created_by", "approved_by")
    return get_object_for_user(queryset, request.user, pk=pk)


@role_required(*NEGOTIATORS)
def agreement_create(request, debtor_pk: int):
    debtor = selectors.debtor_detail(user=request.user, pk=debtor_pk)
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = agreements.agreement_create(debtor=debtor, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if agreement.status == AgreementStatus.PENDING_APPROVAL:
                messages.warning(
                    request, "El descuento supera tu límite: el acuerdo espera la aprobación del supervisor."
                )
            else:
                messages.success(request, "Acuerdo de pago registrado.")
            return redirect("cartera:agreement_detail", pk=agreement.pk)
    return render(request, "cartera/agreement_form.html", {"debtor": debtor, "form": form})


def agreement_detail(request, pk: int, payment_form: PaymentForm | None = None):
    agreement = _agreement(request, pk)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            filename=f"acuerdo-{agreement.pk}",
            title=f"Acuerdo {agreement.pk}",
            columns=[
                ("Cuota", str),
                ("Vence", "due_date"),
                ("Monto", "amount"),
                ("Pagado", "paid_amount"),
                ("Pendiente", "pending"),
            ],
            rows=agreement.instalments.all(),
        )
    return render(
        request,
        "cartera/agreement_detail.html",
        {
            "agreement": agreement,
            "instalments": agreement.instalments.all(),
            "payments": agreement.payments.select_related("registered_by"),
            "payment_form": payment_form or PaymentForm(),
            "can_pay": agreement.status == AgreementStatus.ACTIVE and request.user.role in CASHIERS,
            "can_decide": agreement.status == AgreementStatus.PENDING_APPROVAL
            and (request.user.role == Role.SUPERVISOR or request.user.is_admin_role),
        },
        status=400 if payment_form is not None else 200,
    )


@require_POST
@role_required(*CASHIERS)
def payment_create(request, pk: int):
    agreement = _agreement(request, pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            agreements.payment_register(agreement=agreement, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Pago registrado.")
            return redirect("cartera:agreement_detail", pk=agreement.pk)
    return agreement_detail(request, pk, payment_form=form)


@require_POST
@role_required(Role.SUPERVISOR)
def agreement_decide(request, pk: int):
    agreement = _agreement(request, pk)
    try:
        agreements.agreement_decide(agreement=agreement, user=request.user, approve=request.POST.get("approve") == "1")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("cartera:agreement_detail", pk=agreement.pk)


@require_POST
@role_required(Role.SUPERVISOR, Role.BACKOFFICE)
def agreement_cancel(request, pk: int):
    agreement = _agreement(request, pk)
    try:
        agreements.agreement_cancel(agreement=agreement, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(request, "Acuerdo anulado.")
    return redirect("cartera:agreement_detail", pk=agreement.pk)


class AgreementListView(FilteredListView):
    template_name = "cartera/agreement_list.html"
    filterset_class = AgreementFilter
    export_name = "acuerdos"
    export_columns = [
        ("Acuerdo", "pk"),
        ("Deudor", "debtor.full_name"),
        ("Documento", "debtor.document_number"),
        ("Campaña", "debtor.campaign.name"),
        ("Estado", lambda a: "Incumplido" if a.is_broken else a.get_status_display()),
        ("Deuda al firmar", "debt_at_signing"),
        ("Descuento %", "discount_pct"),
        ("Negociado", "negotiated_amount"),
        ("Cuotas", "instalments_count"),
        ("Negociado por", lambda a: str(a.created_by)),
        ("Fecha", "created_at"),
    ]

    def get_queryset(self):
        return (
            PaymentAgreement.objects.visible_to(self.request.user)
            .with_broken()
            .select_related("debtor__campaign", "created_by")
        )
