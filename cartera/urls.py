from django.urls import path

from cartera import views, views_import

app_name = "cartera"

urlpatterns = [
    path("deudores/", views.DebtorListView.as_view(), name="debtor_list"),
    path("deudores/<int:pk>/", views.debtor_detail, name="debtor_detail"),
    path("deudores/<int:pk>/gestion/", views.gestion_create, name="gestion_create"),
    path("deudores/<int:pk>/reserva/", views.lease_heartbeat, name="lease_heartbeat"),
    path("siguiente/", views.queue_next, name="queue_next"),
    path("importaciones/", views_import.ImportListView.as_view(), name="import_list"),
    path("importaciones/nueva/", views_import.import_start, name="import_start"),
    path("importaciones/<int:pk>/", views_import.import_detail, name="import_detail"),
    path("importaciones/<int:pk>/columnas/", views_import.import_preview, name="import_preview"),
    path("importaciones/<int:pk>/rechazados/", views_import.import_rejected, name="import_rejected"),
]
