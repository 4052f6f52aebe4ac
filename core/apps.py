from django.apps import AppConfig


def record_last_login(sender, user, **kwargs):
    """Stamp ``last_login`` with an UPDATE instead of ``save()``: a login is not a change of the
    user record, and it is already in the access log, so it stays out of the change history."""
    from django.utils import timezone

    user.last_login = timezone.now()
    type(user).objects.filter(pk=user.pk).update(last_login=user.last_login)


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Núcleo"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from core import demo, menu

        user_logged_in.disconnect(dispatch_uid="update_last_login")
        user_logged_in.connect(record_last_login, dispatch_uid="update_last_login")
        menu.register_core_entries()
        demo.register("core", "core.demo_data.seed", order=0)
