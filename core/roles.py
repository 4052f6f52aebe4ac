from django.db import models


class Role(models.TextChoices):
    AGENTE = "agente", "Agente"
    BACKOFFICE = "backoffice", "Backoffice"
    SUPERVISOR = "supervisor", "Supervisor"
    CALIDAD = "calidad", "Calidad"
    ADMINISTRADOR = "administrador", "Administrador"


# Roles that see records by the campaigns they belong to (not by owner or team).
MODULE_SCOPED_ROLES = frozenset({Role.BACKOFFICE, Role.CALIDAD})
