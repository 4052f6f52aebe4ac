from django.apps import AppConfig


class DialerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dialer"
    verbose_name = "Marcador"

    def ready(self):
        from core import demo, menu
        from core.menu import MenuEntry
        from core.roles import Role

        # Backoffice and quality get the call log of their campaigns, not the productivity
        # figures (docs/decisions.md, "Métricas del marcador").
        measured = frozenset({Role.AGENTE, Role.SUPERVISOR, Role.ADMINISTRADOR})
        menu.register(MenuEntry("Marcador", "Métricas", "dialer:metrics", "bi-graph-up", measured, order=50))
        menu.register(MenuEntry("Marcador", "Llamadas", "dialer:call_log", "bi-telephone", order=51))
        demo.register("dialer", "dialer.demo_data.seed", order=20)
        self._forget_cached_tokens_on_change()

    def _forget_cached_tokens_on_change(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from dialer import token_cache
        from dialer.models import WorkstationToken

        for signal in (post_save, post_delete):
            signal.connect(token_cache.token_saved, sender=WorkstationToken, dispatch_uid=f"dialer_token_{signal}")
        post_save.connect(token_cache.user_saved, sender=get_user_model(), dispatch_uid="dialer_token_user")
