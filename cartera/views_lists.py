"""The gestiones and payments lists: filtered, paginated, exportable."""

from cartera.filters import GestionFilter, PaymentFilter
from cartera.models import Gestion, Payment
from core.lists import FilteredListView


class GestionListView(FilteredListView):
    template_name = "cartera/gestion_list.html"
    filterset_class = GestionFilter
    export_name = "gestiones"
    export_columns = [
        ("Fecha", "created_at"),
        ("Deudor", "debtor.full_name"),
        ("Documento", "debtor.document_number"),
        ("Agente", lambda g: str(g.agent)),
        ("Canal", "get_channel_display"),
        ("Teléfono", lambda g: g.phone.e164 if g.phone else ""),
        ("Tipificación", "outcome.code"),
        ("Monto prometido", "promised_amount"),
        ("Fecha prometida", "promised_date"),
        ("Notas", "notes"),
    ]

    def get_queryset(self):
        return Gestion.objects.visible_to(self.request.user).select_related("debtor", "agent", "outcome", "phone")


class PaymentListView(FilteredListView):
    template_name = "cartera/payment_list.html"
    filterset_class = PaymentFilter
    export_name = "pagos"
    export_columns = [
        ("Fecha de pago", "paid_on"),
        ("Deudor", "agreement.debtor.full_name"),
        ("Acuerdo", "agreement_id"),
        ("Monto", "amount"),
        ("Medio", "get_method_display"),
        ("Referencia", "reference"),
        ("Registró", lambda p: str(p.registered_by)),
    ]

    def get_queryset(self):
        return Payment.objects.visible_to(self.request.user).select_related("agreement__debtor", "registered_by")
