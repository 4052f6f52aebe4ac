"""Importing debtors: the three sample layouts, merging, idempotence, broken files, the pages."""

import json
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from cartera import importer
from cartera.models import Debtor, DebtorPhone
from core.choices import ImportStatus
from core.models import ImportJob, Notification
from core.testing.access import Route, allow, check_matrix

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"


@pytest.fixture
def sample():
    if not SAMPLES.is_dir():
        pytest.skip(f"shared samples not found at {SAMPLES}")

    def _sample(name):
        return SimpleUploadedFile(name, (SAMPLES / name).read_bytes())

    return _sample


def run_import(campaign, user, upload, mapping=None, capture=None):
    job = importer.import_job_create(campaign=campaign, upload=upload, user=user)
    with capture(execute=True):
        importer.import_job_confirm(job=job, mapping=mapping or job.mapping)
    job.refresh_from_db()
    return job


def test_cartera_sample_gives_the_expected_outcome(sample, campaign, supervisor, django_capture_on_commit_callbacks):
    expected = json.loads((SAMPLES / "cartera_cobranza.expected.json").read_text())
    job = run_import(campaign, supervisor, sample("cartera_cobranza.xlsx"), capture=django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE and job.layout == "cartera"
    assert job.total_rows == expected["rows"]
    assert job.created_count == expected["distinct_debtors"] == Debtor.objects.filter(campaign=campaign).count()
    assert job.updated_count == expected["updated_by_duplicates"]
    assert job.rejected_count == expected["rejected_rows"]
    # Every debtor got its phone in E.164 and kept the text as typed.
    assert not Debtor.objects.filter(campaign=campaign, phones__isnull=True).exists()
    assert DebtorPhone.objects.filter(e164__startswith="+506").count() >= 120
    daniela = Debtor.objects.get(document_number="0511677122")
    assert daniela.full_name == "DANIELA ARAYA SOLÍS" and daniela.due_date.isoformat() == "2026-02-20"
    assert daniela.phones.filter(raw="+506 8450-1283", e164="+50684501283").exists()
    # The rejected rows come back as an Excel with row number, column and reason.
    rows = list(load_workbook(BytesIO(job.rejected_file.read())).active.values)
    assert {row[0] for row in rows[1:] if isinstance(row[0], int)} == {132, 133}
    assert Notification.objects.filter(user=supervisor, text__contains="120 nuevos").exists()


def test_reimporting_the_same_file_changes_nothing(sample, campaign, supervisor, django_capture_on_commit_callbacks):
    run_import(campaign, supervisor, sample("cartera_cobranza.xlsx"), capture=django_capture_on_commit_callbacks)
    history = sum(d.history.count() for d in Debtor.objects.all())
    again = run_import(
        campaign, supervisor, sample("cartera_cobranza.xlsx"), capture=django_capture_on_commit_callbacks
    )
    assert (again.created_count, again.updated_count, again.unchanged_count, again.rejected_count) == (0, 0, 130, 2)
    assert Debtor.objects.count() == 120
    assert sum(d.history.count() for d in Debtor.objects.all()) == history


def test_an_existing_debtor_is_updated_with_history(sample, campaign, supervisor, django_capture_on_commit_callbacks):
    run_import(campaign, supervisor, sample("cartera_cobranza.xlsx"), capture=django_capture_on_commit_callbacks)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Cartera noviembre"])  # a title row above the header
    sheet.append([])
    sheet.append(["Cédula", "Nombre Completo", "Celular", "Saldo", "Vencimiento", "Segmento"])
    sheet.append(["511677122", "DANIELA ARAYA SOLÍS", "8888-0000", "₡300.000", "20/02/2026", "VIP"])
    buffer = BytesIO()
    workbook.save(buffer)
    job = run_import(
        campaign,
        supervisor,
        SimpleUploadedFile("nov.xlsx", buffer.getvalue()),
        capture=django_capture_on_commit_callbacks,
    )
    assert (job.created_count, job.updated_count) == (0, 1)
    daniela = Debtor.objects.get(document_number="0511677122")
    assert daniela.amount_due == 300000 and daniela.variables == {"Segmento": "VIP"}
    assert set(daniela.phones.values_list("e164", flat=True)) == {"+50684501283", "+50688880000"}
    latest = daniela.history.first()
    assert latest.history_change_reason == "Importación"
    # Date-times the import only copies into the history row come back exactly as stored.
    assert (latest.created_at, latest.last_seen_at) == (daniela.created_at, daniela.last_seen_at)


def test_a_phone_matches_a_row_without_document_but_never_joins_two_documents(
    campaign, supervisor, django_capture_on_commit_callbacks
):
    existing = Debtor.objects.create(campaign=campaign, full_name="ANA MORA", document_number="0104560007")
    existing.phones.create(e164="+50683303132", raw="8330-3132", is_primary=True)

    def run(text):
        upload = SimpleUploadedFile("casa.csv", f"RUT,NOMBRE,TELEFONO,MONTO\n{text}\n".encode())
        job = run_import(campaign, supervisor, upload, capture=django_capture_on_commit_callbacks)
        return job.created_count, job.updated_count, job.rejected_count

    assert run(",ANA MORA,8330 3132,700") == (0, 1, 0)  # no document: the debtor with that phone
    existing.refresh_from_db()
    assert (existing.document_number, existing.amount_due) == ("0104560007", 700)
    assert run("0104560014,LUIS MORA,83303132,500") == (1, 0, 0)  # his own debtor, sharing the home phone
    luis = Debtor.objects.get(document_number="0104560014")
    assert luis.full_name == "LUIS MORA" and list(luis.phones.values_list("e164", flat=True)) == ["+50683303132"]
    existing.refresh_from_db()
    assert (existing.full_name, existing.amount_due) == ("ANA MORA", 700)


@pytest.mark.parametrize(
    "name, count, variables", [("marketing.xlsx", 60, set()), ("generico.xlsx", 40, {"var1", "var2"})]
)
def test_other_layouts(sample, campaign, supervisor, django_capture_on_commit_callbacks, name, count, variables):
    job = run_import(campaign, supervisor, sample(name), capture=django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE and job.created_count == count and job.rejected_count == 0
    debtor = Debtor.objects.filter(campaign=campaign).first()
    assert set(debtor.variables) == variables
    if name == "marketing.xlsx":
        assert Debtor.objects.exclude(email="").count() == 60 and Debtor.objects.exclude(city="").count() == 60


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("datos.pdf", b"%PDF-1.4 nothing here", "xlsx"),
        ("datos.xlsx", b"this is not a zip file at all", "Excel"),
        ("vacio.csv", b"", "vac"),
        ("solo_encabezado.csv", b"nombre;telefono\n", "filas de datos"),
    ],
)
def test_broken_files_are_refused_and_nothing_is_written(campaign, supervisor, name, content, message):
    with pytest.raises(ValidationError) as exc:
        importer.import_job_create(campaign=campaign, upload=SimpleUploadedFile(name, content), user=supervisor)
    assert message.lower() in " ".join(exc.value.messages).lower()
    assert not ImportJob.objects.exists() and not Debtor.objects.exists()


def test_a_mapping_without_a_name_column_is_refused(sample, campaign, supervisor):
    job = importer.import_job_create(campaign=campaign, upload=sample("cartera_cobranza.xlsx"), user=supervisor)
    mapping = {**job.mapping, "1": None}  # NOMBRE no longer mapped
    with pytest.raises(ValidationError, match="nombre"):
        importer.import_job_confirm(job=job, mapping=mapping)
    job.refresh_from_db()
    assert job.status == ImportStatus.PENDING


def test_the_pages_drive_an_import(sample, login, supervisor, campaign, django_capture_on_commit_callbacks):
    client = login(supervisor)
    response = client.post(
        reverse("cartera:import_start"), {"campaign": campaign.pk, "file": sample("cartera_cobranza.xlsx")}
    )
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("cartera:import_preview", args=[job.pk])
    preview = client.get(response["Location"]).content.decode()
    assert "RUT" in preview and "DANIELA ARAYA SOLÍS" in preview and 'data-testid="layout">cartera' in preview
    data = {f"col_{i}": value or "" for i, value in job.mapping.items()}
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse("cartera:import_preview", args=[job.pk]), data)
    assert confirmed["Location"] == reverse("cartera:import_detail", args=[job.pk])
    progress = client.get(confirmed["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="done"' in progress and ">120<" in progress and ">10<" in progress and ">2<" in progress
    download = client.get(reverse("cartera:import_rejected", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert "cartera_cobranza.xlsx" in client.get(reverse("cartera:import_list")).content.decode()


def test_upload_form_errors(login, supervisor, campaign):
    client = login(supervisor)
    wrong = client.post(
        reverse("cartera:import_start"), {"campaign": campaign.pk, "file": SimpleUploadedFile("x.pdf", b"%PDF")}
    )
    assert "Solo se aceptan archivos Excel (.xlsx) o CSV" in wrong.content.decode()
    garbage = client.post(
        reverse("cartera:import_start"), {"campaign": campaign.pk, "file": SimpleUploadedFile("x.xlsx", b"garbage")}
    )
    assert garbage.status_code == 200 and "Excel" in garbage.content.decode() and not ImportJob.objects.exists()


def test_access_matrix(sample, client, users, campaign, django_capture_on_commit_callbacks):
    job = run_import(
        campaign, users["supervisor"], sample("cartera_cobranza.xlsx"), capture=django_capture_on_commit_callbacks
    )
    managers = allow("supervisor", "backoffice")
    own = {**managers, "backoffice": 200}  # backoffice is in the campaign
    routes = [
        Route("cartera:import_list", managers),
        Route("cartera:import_start", managers),
        Route("cartera:import_detail", own, kwargs=lambda u: {"pk": job.pk}),
        Route(
            "cartera:import_preview",
            {**own, "supervisor": 302, "backoffice": 302, "admin": 302},
            kwargs=lambda u: {"pk": job.pk},
        ),
        Route("cartera:import_rejected", own, kwargs=lambda u: {"pk": job.pk}),
        Route(
            "cartera:import_restart",
            {**own, "supervisor": 302, "backoffice": 302, "admin": 302},
            kwargs=lambda u: {"pk": job.pk},
            method="post",
        ),
    ]
    assert check_matrix(client, users, routes) == []
