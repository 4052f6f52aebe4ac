from django.urls import path

from core.views import admin_pages, exports, followups, home, notifications, people

app_name = "core"

urlpatterns = [
    path("", home.home, name="home"),
    path("seguimientos/", followups.FollowUpListView.as_view(), name="follow_up_list"),
    path("seguimientos/calendario/", followups.follow_up_calendar, name="follow_up_calendar"),
    path("seguimientos/eventos/", followups.follow_up_events, name="follow_up_events"),
    path("seguimientos/nuevo/", followups.follow_up_create, name="follow_up_create"),
    path("seguimientos/<int:pk>/", followups.follow_up_edit, name="follow_up_edit"),
    path("seguimientos/<int:pk>/hecho/", followups.follow_up_toggle, name="follow_up_toggle"),
    path("notificaciones/", notifications.NotificationListView.as_view(), name="notification_list"),
    path("notificaciones/contador/", notifications.notification_count, name="notification_count"),
    path("notificaciones/menu/", notifications.notification_menu, name="notification_menu"),
    path("notificaciones/<int:pk>/abrir/", notifications.notification_open, name="notification_open"),
    path("notificaciones/leer-todas/", notifications.notification_read_all, name="notification_read_all"),
    path("campanas/", people.CampaignListView.as_view(), name="campaign_list"),
    path("equipo/", people.TeamView.as_view(), name="team"),
    path("equipo/aviso/", people.notice_send, name="notice_send"),
    path("usuarios/", people.UserListView.as_view(), name="user_list"),
    path("actividad/", admin_pages.ActivityView.as_view(), name="activity"),
    path("actividad/desbloquear/", admin_pages.unlock_user, name="unlock_user"),
    path("exportaciones/<int:pk>/", exports.export_detail, name="export_detail"),
    path("exportaciones/<int:pk>/descargar/", exports.export_download, name="export_download"),
    path("exportaciones/<int:pk>/reintentar/", exports.export_restart, name="export_restart"),
]
