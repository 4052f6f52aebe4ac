from django.apps import AppConfig


class DialerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dialer"
    verbose_name = "Marcador"
