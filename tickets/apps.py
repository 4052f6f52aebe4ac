from django.apps import AppConfig


class TicketsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from core import demo, menu
        from core.menu import MenuEntry
        from core.roles import Role
        from tickets.middleware import on_login, shows_support_entries

        user_logged_in.connect(on_login, dispatch_uid="tickets_support_flag")
        self._forget_catalogue_on_change()
        leads = frozenset({Role.SUPERVISOR, Role.ADMINISTRADOR})
        for entry in (
            MenuEntry("Soporte", "Nuevo ticket", "tickets:create", "bi-plus-circle", order=60),
            MenuEntry("Soporte", "Mis tickets", "tickets:mine", "bi-ticket-perforated", order=61),
            MenuEntry("Soporte", "Mi cola", "tickets:queue", "bi-inboxes", order=62, when=shows_support_entries),
            MenuEntry("Soporte", "Todos los tickets", "tickets:all", "bi-collection", leads, order=63),
            MenuEntry(
                "Soporte", "Dashboard de soporte", "tickets:dashboard", "bi-bar-chart", order=64, when=_dashboard
            ),
        ):
            menu.register(entry)
        demo.register("tickets", "tickets.demo_data.seed", order=30)

    def _forget_catalogue_on_change(self):
        from django.db.models.signals import post_delete, post_save

        from tickets import catalogue
        from tickets.models import BusinessCalendar, BusinessHours, Category, Holiday, SupportGroup

        for model in (BusinessCalendar, BusinessHours, Holiday, Category, SupportGroup):
            for signal in (post_save, post_delete):
                signal.connect(catalogue.forget, sender=model, dispatch_uid=f"tickets_catalogue_{model.__name__}")


def _dashboard(user) -> bool:
    from core.roles import Role
    from tickets.middleware import shows_support_entries

    return user.role == Role.SUPERVISOR or shows_support_entries(user)
