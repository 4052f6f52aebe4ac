from django.core.management.base import BaseCommand

from core import demo
from core.demo_data import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Crea (o completa) los datos de demostración de todos los módulos. Idempotente."

    def handle(self, *args, **options):
        self.stdout.write("Datos de demostración:")
        demo.run_all(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Usuarios de demostración (contraseña: {DEMO_PASSWORD}):"))
        for username, role, *_ in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {role.label}")
