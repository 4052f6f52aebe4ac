from django.apps import AppConfig


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Núcleo"

    def ready(self):
        from core import demo, menu

        menu.register_core_entries()
        demo.register("core", "core.demo_data.seed", order=0)
