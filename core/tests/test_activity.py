"""The admin's activity page: a filtered list like any other, exported in the background when big."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.choices import ExportStatus
from core.models import ExportJob

pytestmark = pytest.mark.django_db


def test_changes_filter_by_user_and_dates(login, admin, agente):
    agente.extension = "4321"
    agente.save()
    client = login(admin)
    url = reverse("core:activity")
    body = client.get(url + "?tab=changes&model=usuarios&q=nadie").content.decode()
    assert "Sin cambios registrados." in body
    body = client.get(url + "?tab=changes&model=usuarios&desde=2000-01-01&hasta=2999-01-01").content.decode()
    assert "extension:  → 4321" in body
    bad = client.get(url + "?tab=changes&desde=ayer")
    assert bad.status_code == 200 and "Introduzca una fecha válida" in bad.content.decode()


def test_a_big_tab_exports_in_the_background_with_its_filters(
    login, admin, agente, settings, django_capture_on_commit_callbacks
):
    for n in range(3):
        agente.extension = str(n)
        agente._history_user = admin  # as the admin's edit through a page records it
        agente.save()
    del agente._history_user
    agente.extension = "sin usuario"
    agente.save()  # a change with no user: filtered out by q
    settings.EXPORT_SYNC_MAX_ROWS = 2
    client = login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("core:activity") + f"?tab=changes&model=usuarios&q={admin.username}&export=xlsx")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.name == "actividad-changes" and "tab=changes" in job.query
    assert job.status == ExportStatus.DONE
    rows = list(load_workbook(BytesIO(job.file.read())).active.values)
    assert rows[0] == ("Fecha", "Registro", "Acción", "Por", "Detalle")
    assert [row[2] for row in rows[1:]] == ["Modificado", "Modificado", "Modificado"]  # only the admin's changes
    assert all(row[3] == str(admin) for row in rows[1:])


def test_a_small_tab_downloads_at_once(login, admin):
    response = login(admin).get(reverse("core:activity") + "?tab=failures&export=xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].startswith(
        'attachment; filename="actividad-failures'
    )
