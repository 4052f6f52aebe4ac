"""Admin commands: create_user and seed_demo."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.demo_data import DEMO_PASSWORD, DEMO_USERS
from core.models import Campaign, FollowUp, Notification, User
from core.roles import Role

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_user_with_role_team_and_campaigns(campaign, campaign_b, supervisor):
    out = run(
        "create_user",
        "maria",
        "--role",
        "agente",
        "--campaign",
        campaign.name,
        "--campaign",
        campaign_b.name,
        "--supervisor",
        "supervisor",
        "--password",
        "Clave-Segura-2026",
        "--extension",
        "2001",
    )
    assert "Usuario «maria» creado" in out
    user = User.objects.get(username="maria")
    assert user.role == Role.AGENTE and user.supervisor == supervisor and user.extension == "2001"
    assert set(user.campaigns.all()) == {campaign, campaign_b}
    assert user.check_password("Clave-Segura-2026")
    assert user.history.count() == 1


def test_create_admin_gets_django_admin_access(db):
    run("create_user", "jefa", "--role", "administrador", "--password", "Clave-Segura-2026")
    user = User.objects.get(username="jefa")
    assert user.is_staff and user.is_superuser


@pytest.mark.parametrize(
    "args, message",
    [
        (["--role", "agente", "--campaign", "No existe"], "No existe la campaña «No existe»"),
        (["--role", "agente", "--supervisor", "nadie"], "no es un usuario con rol supervisor"),
        (["--role", "agente", "--password", "123"], "Contraseña no válida"),
    ],
)
def test_create_user_bad_input(campaign, args, message):
    with pytest.raises(CommandError, match=message):
        run("create_user", "pedro", *args, *([] if "--password" in args else ["--password", "Clave-Segura-2026"]))
    assert not User.objects.filter(username="pedro").exists()


def test_create_user_refuses_a_duplicate_and_an_unknown_role(agente):
    with pytest.raises(CommandError, match="ya existe"):
        run("create_user", "agente", "--role", "agente", "--password", "Clave-Segura-2026")
    with pytest.raises(CommandError, match="invalid choice"):
        run("create_user", "nuevo", "--role", "gerente", "--password", "Clave-Segura-2026")


def test_seed_demo_is_idempotent_and_prints_the_logins(db):
    out = run("seed_demo")
    counts = (User.objects.count(), Campaign.objects.count(), FollowUp.objects.count(), Notification.objects.count())
    assert counts[1] == 2
    assert set(User.objects.values_list("username", flat=True)) >= {username for username, *_ in DEMO_USERS}
    # Every demo login is printed: one user per role, and the modules' own (the support desk's people).
    assert DEMO_PASSWORD in out and all(username in out for username in User.objects.values_list("username", flat=True))
    run("seed_demo")
    assert counts == (
        User.objects.count(),
        Campaign.objects.count(),
        FollowUp.objects.count(),
        Notification.objects.count(),
    )
    assert {u.role for u in User.objects.all()} == set(Role.values)
    assert User.objects.get(username="agente").check_password(DEMO_PASSWORD)
    assert User.objects.get(username="agente").supervisor.username == "supervisor"


def test_seed_demo_gives_the_collections_campaign_a_worked_portfolio(db):
    from cartera.models import Debtor, Gestion, Outcome

    run("seed_demo")
    campaign = Campaign.objects.get(name="Cobranza Costa Rica")
    assert Outcome.objects.filter(campaign=campaign).count() == 12
    assert Debtor.objects.filter(campaign=campaign).count() == 300
    assert Gestion.objects.filter(debtor__campaign=campaign).count() == 60
    buckets = set(Debtor.objects.with_mora().values_list("mora_bucket", flat=True))
    assert {"0-30", "31-60", "61-90", "91-180", "180+"} <= buckets
    from cartera.models import PaymentAgreement

    assert PaymentAgreement.objects.count() == 12
    assert PaymentAgreement.objects.broken().count() == 3
    assert PaymentAgreement.objects.filter(status="cumplido").count() == 1
    run("seed_demo")
    assert Debtor.objects.count() == 300 and Gestion.objects.count() == 60 and PaymentAgreement.objects.count() == 12
