from django.urls import path

from cartera import views, views_agreements, views_dashboard, views_import, views_lists

app_name = "cartera"

urlpatterns = [
    path("deudores/", views.DebtorListView.as_view(), name="debtor_list"),
    path("deudores/asignar/", views.debtors_assign, name="debtors_assign"),
    path("deudores/<int:pk>/", views.debtor_detail, name="debtor_detail"),
    path("deudores/<int:pk>/gestion/", views.gestion_create, name="gestion_create"),
    path("deudores/<int:pk>/reserva/", views.lease_heartbeat, name="lease_heartbeat"),
    path("siguiente/", views.queue_next, name="queue_next"),
    path("deudores/<int:debtor_pk>/acuerdo/", views_agreements.agreement_create, name="agreement_create"),
    path("acuerdos/", views_agreements.AgreementListView.as_view(), name="agreement_list"),
    path("gestiones/", views_lists.GestionListView.as_view(), name="gestion_list"),
    path("pagos/", views_lists.PaymentListView.as_view(), name="payment_list"),
    path("acuerdos/<int:pk>/", views_agreements.agreement_detail, name="agreement_detail"),
    path("acuerdos/<int:pk>/pago/", views_agreements.payment_create, name="payment_create"),
    path("acuerdos/<int:pk>/decision/", views_agreements.agreement_decide, name="agreement_decide"),
    path("acuerdos/<int:pk>/anular/", views_agreements.agreement_cancel, name="agreement_cancel"),
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("importaciones/", views_import.ImportListView.as_view(), name="import_list"),
    path("importaciones/nueva/", views_import.import_start, name="import_start"),
    path("importaciones/<int:pk>/", views_import.import_detail, name="import_detail"),
    path("importaciones/<int:pk>/columnas/", views_import.import_preview, name="import_preview"),
    path("importaciones/<int:pk>/rechazados/", views_import.import_rejected, name="import_rejected"),
    path("importaciones/<int:pk>/reintentar/", views_import.import_restart, name="import_restart"),
]
