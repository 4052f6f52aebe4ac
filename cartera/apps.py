from django.apps import AppConfig


class CarteraConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cartera"
    verbose_name = "Cartera"

    def ready(self):
        from core import demo, menu
        from core.choices import Module
        from core.menu import MenuEntry
        from core.roles import Role

        everyone = frozenset(Role.values)
        workers = frozenset({Role.AGENTE, Role.SUPERVISOR})
        team = frozenset({Role.SUPERVISOR, Role.ADMINISTRADOR})
        managers = frozenset({Role.SUPERVISOR, Role.BACKOFFICE, Role.ADMINISTRADOR})
        for entry in (
            MenuEntry("Cartera", "Dashboard", "cartera:dashboard", "bi-speedometer2", managers, Module.CARTERA, 38),
            MenuEntry("Cartera", "Siguiente", "cartera:queue_next", "bi-skip-forward", workers, Module.CARTERA, 39),
            MenuEntry("Cartera", "Deudores", "cartera:debtor_list", "bi-person-vcard", everyone, Module.CARTERA, 40),
            MenuEntry(
                "Cartera", "Acuerdos", "cartera:agreement_list", "bi-journal-check", everyone, Module.CARTERA, 40
            ),
            MenuEntry(
                "Cartera", "Gestiones", "cartera:gestion_list", "bi-telephone-outbound", everyone, Module.CARTERA, 40
            ),
            MenuEntry("Cartera", "Pagos", "cartera:payment_list", "bi-cash-coin", everyone, Module.CARTERA, 40),
            MenuEntry("Cartera", "Asignar", "cartera:debtors_assign", "bi-diagram-3", team, Module.CARTERA, 41),
            MenuEntry("Cartera", "Importar", "cartera:import_start", "bi-upload", managers, Module.CARTERA, 41),
            MenuEntry(
                "Cartera", "Importaciones", "cartera:import_list", "bi-clock-history", managers, Module.CARTERA, 42
            ),
        ):
            menu.register(entry)
        demo.register("cartera", "cartera.demo_data.seed", order=10)
