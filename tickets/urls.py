from django.urls import path

from tickets import views, views_dashboard, views_lists

app_name = "tickets"

urlpatterns = [
    path("", views_lists.MyTicketsView.as_view(), name="mine"),
    path("cola/", views_lists.QueueView.as_view(), name="queue"),
    path("todos/", views_lists.AllTicketsView.as_view(), name="all"),
    path("acciones/", views_lists.tickets_bulk, name="bulk"),
    path("filtros/<str:list_name>/", views_lists.saved_filter_create, name="filter_save"),
    path("filtros/<int:pk>/borrar/", views_lists.saved_filter_delete, name="filter_delete"),
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("nuevo/", views.ticket_create, name="create"),
    path("<int:pk>/", views.ticket_detail, name="detail"),
    path("<int:pk>/responder/", views.comment_add, name="comment_add"),
    path("<int:pk>/estado/", views.ticket_transition, name="transition"),
    path("<int:pk>/prioridad/", views.ticket_priority, name="priority"),
    path("<int:pk>/asignar/", views.ticket_assign, name="assign"),
    path("<int:pk>/editar/", views.ticket_update, name="update"),
    path("<int:pk>/fusionar/", views.ticket_merge, name="merge"),
    path("<int:pk>/seguir/", views.ticket_watch, name="watch"),
    path("adjuntos/<int:pk>/", views.attachment_download, name="attachment"),
]
