from django.urls import path

from dialer import views, views_calls, views_metrics

app_name = "dialer"

urlpatterns = [
    path("estaciones/", views.token_list, name="token_list"),
    path("estaciones/nueva/", views.token_create, name="token_create"),
    path("estaciones/<int:pk>/revocar/", views.token_revoke, name="token_revoke"),
    path("llamar/", views_calls.dial, name="dial"),
    path("colgar/", views_calls.hangup, name="hangup"),
    path("llamada-en-curso/", views_calls.current_call, name="current_call"),
    path("llamadas/manual/", views_calls.call_manual, name="call_manual"),
    path("metricas/", views_metrics.metrics, name="metrics"),
    path("metricas/equipo/<int:supervisor_id>/", views_metrics.team, name="team"),
    path("metricas/agente/<int:user_id>/", views_metrics.agent, name="agent"),
    path("llamadas/", views_metrics.CallLogListView.as_view(), name="call_log"),
]
