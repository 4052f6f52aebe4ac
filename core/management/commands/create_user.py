import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import services
from core.models import Campaign, User
from core.roles import Role


class Command(BaseCommand):
    help = "Crea un usuario del CRM con su rol, equipo y campañas."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values, help="Rol del usuario.")
        parser.add_argument(
            "--campaign", action="append", default=[], help="Nombre de campaña (repetible).", metavar="NOMBRE"
        )
        parser.add_argument("--supervisor", help="Usuario del supervisor (define el equipo).")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--extension", default="")
        parser.add_argument("--workstation", default="")
        parser.add_argument("--password", help="Contraseña; si falta se pide por teclado.")

    def handle(self, *args, **options):
        username = options["username"]
        if User.objects.filter(username=username).exists():
            raise CommandError(f"El usuario «{username}» ya existe.")
        campaigns = []
        for name in options["campaign"]:
            campaign = Campaign.objects.filter(name=name).first()
            if campaign is None:
                known = ", ".join(Campaign.objects.values_list("name", flat=True)) or "ninguna"
                raise CommandError(f"No existe la campaña «{name}». Campañas: {known}.")
            campaigns.append(campaign)
        supervisor = None
        if options["supervisor"]:
            supervisor = User.objects.filter(username=options["supervisor"], role=Role.SUPERVISOR).first()
            if supervisor is None:
                raise CommandError(f"«{options['supervisor']}» no es un usuario con rol supervisor.")
        password = options["password"] or self._ask_password()
        try:
            validate_password(password, User(username=username, first_name=options["first_name"]))
        except ValidationError as exc:
            raise CommandError("Contraseña no válida: " + " ".join(exc.messages)) from exc
        try:
            with transaction.atomic():
                user = services.user_create(
                    username=username,
                    password=password,
                    role=options["role"],
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                    email=options["email"],
                    supervisor=supervisor,
                    extension=options["extension"],
                    workstation=options["workstation"],
                    campaigns=campaigns,
                )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        names = ", ".join(c.name for c in campaigns) or "sin campañas"
        self.stdout.write(self.style.SUCCESS(f"Usuario «{user.username}» creado: {user.get_role_display()}, {names}."))

    def _ask_password(self) -> str:
        first = getpass.getpass("Contraseña: ")
        if not first or first != getpass.getpass("Repite la contraseña: "):
            raise CommandError("Las contraseñas no coinciden o están vacías.")
        return first
