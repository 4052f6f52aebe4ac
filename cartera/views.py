from django.shortcuts import render

from cartera import selectors
from cartera.filters import DebtorFilter
from core.lists import FilteredListView


def _primary_phone(debtor):
    return debtor.primary[0].e164 if getattr(debtor, "primary", None) else ""


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


def debtor_detail(request, pk: int):
    debtor = selectors.debtor_detail(user=request.user, pk=pk)
    return render(
        request,
        "cartera/debtor_detail.html",
        {
            "debtor": debtor,
            "state": selectors.debtor_state(debtor=debtor),
            "phones": debtor.phones.all(),
            "gestiones": selectors.debtor_gestiones(debtor=debtor),
            "changes": debtor.history.select_related("history_user")[:20],
        },
    )
