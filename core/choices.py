from django.db import models


class Module(models.TextChoices):
    CARTERA = "cartera", "Cartera"
    TELEFONICA = "telefonica", "Telefónica"
    TARJETA_PLATA = "tarjeta_plata", "Tarjeta Plata"
    CALIDAD = "calidad", "Calidad"
    SOPORTE = "soporte", "Soporte"


class Country(models.TextChoices):
    CR = "CR", "Costa Rica"
    CO = "CO", "Colombia"
    MX = "MX", "México"
    CL = "CL", "Chile"


class Currency(models.TextChoices):
    CRC = "CRC", "Colón costarricense (CRC)"
    USD = "USD", "Dólar estadounidense (USD)"
    COP = "COP", "Peso colombiano (COP)"
    MXN = "MXN", "Peso mexicano (MXN)"
    CLP = "CLP", "Peso chileno (CLP)"


# Sensible defaults when a campaign is created for a country.
COUNTRY_DEFAULTS = {
    Country.CR: {"time_zone": "America/Costa_Rica", "currency": Currency.CRC},
    Country.CO: {"time_zone": "America/Bogota", "currency": Currency.COP},
    Country.MX: {"time_zone": "America/Mexico_City", "currency": Currency.MXN},
    Country.CL: {"time_zone": "America/Santiago", "currency": Currency.CLP},
}


class NotificationKind(models.TextChoices):
    INFO = "info", "Información"
    FOLLOW_UP = "follow_up", "Seguimiento"
    NOTICE = "notice", "Aviso"
    ALERT = "alert", "Alerta"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Pendiente de confirmar"
    QUEUED = "queued", "En cola"
    RUNNING = "running", "Importando"
    DONE = "done", "Terminada"
    FAILED = "failed", "Fallida"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "En cola"
    RUNNING = "running", "Generando"
    DONE = "done", "Listo"
    FAILED = "failed", "Fallido"
    EXPIRED = "expired", "Archivo borrado"
