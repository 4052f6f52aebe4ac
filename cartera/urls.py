from django.urls import path

from cartera import views

app_name = "cartera"

urlpatterns = [
    path("deudores/", views.DebtorListView.as_view(), name="debtor_list"),
    path("deudores/<int:pk>/", views.debtor_detail, name="debtor_detail"),
]
