from django.urls import path

from dialer import views

app_name = "dialer"

urlpatterns = [
    path("estaciones/", views.token_list, name="token_list"),
    path("estaciones/nueva/", views.token_create, name="token_create"),
    path("estaciones/<int:pk>/revocar/", views.token_revoke, name="token_revoke"),
]
