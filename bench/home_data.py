"""Django side of bench_home: seeds the bench database and counts the queries of each page.

Run by bench_home.py in a subprocess whose environment points Django at the bench database:

    python bench/home_data.py seed      # 5 supervisors, 50 agents, notifications and follow-ups
    python bench/home_data.py queries   # JSON: queries per role and page, with the SQL

Not a benchmark itself (run_all.py only picks up ``bench_*.py``).
"""

from __future__ import annotations

import json
import random
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from support import setup_django  # noqa: E402

PASSWORD = "bench-crea-2026"
AGENTS = 50
SUPERVISORS = 5
NOTIFICATIONS_PER_USER = 30
FOLLOW_UPS_PER_USER = 20
PAGES = {"home": "/", "notificaciones": "/notificaciones/"}
# Both pages list the user's notifications: a 200 without this text is an empty or wrong page.
MARKER = "cliente pendiente de revisión"


def agent_username(index: int) -> str:
    return f"bench_agente_{index:02d}"


def supervisor_username(index: int) -> str:
    return f"bench_supervisor_{index}"


def seed() -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from core import services
    from core.choices import Country, Module, NotificationKind
    from core.models import CampaignMembership, FollowUp, Notification, User
    from core.roles import Role
    from core.selectors import today_bounds

    rng = random.Random(2026)  # same data on every run and database
    now = timezone.now()
    day_start, day_end = today_bounds(now)
    # One PBKDF2 hash shared by every bench user: hashing 55 passwords would take longer than the run.
    password_hash = make_password(PASSWORD)
    with transaction.atomic():
        campaign = services.campaign_create(name="Bench Cobranza", module=Module.CARTERA, country=Country.CR)
        supervisors = User.objects.bulk_create(
            User(
                username=supervisor_username(i),
                password=password_hash,
                role=Role.SUPERVISOR,
                first_name="Supervisor",
                last_name=f"Bench {i}",
                email=f"{supervisor_username(i)}@bench.local",
            )
            for i in range(1, SUPERVISORS + 1)
        )
        agents = User.objects.bulk_create(
            User(
                username=agent_username(i),
                password=password_hash,
                role=Role.AGENTE,
                first_name="Agente",
                last_name=f"Bench {i:02d}",
                email=f"{agent_username(i)}@bench.local",
                supervisor=supervisors[(i - 1) % SUPERVISORS],
                extension=str(2000 + i),
            )
            for i in range(1, AGENTS + 1)
        )
        people = supervisors + agents
        CampaignMembership.objects.bulk_create(CampaignMembership(user=u, campaign=campaign) for u in people)

        kinds = list(NotificationKind.values)
        notifications, created_at = [], []
        for user in people:
            for n in range(NOTIFICATIONS_PER_USER):
                age = timedelta(minutes=rng.randint(1, 30 * 24 * 60))
                read = n % 3 != 0  # a third unread
                notifications.append(
                    Notification(
                        user=user,
                        kind=rng.choice(kinds),
                        text=f"Notificación {n + 1} de {user.username}: {MARKER}",
                        link="/seguimientos/" if n % 4 == 0 else "",
                        read_at=now - age / 2 if read else None,
                    )
                )
                created_at.append(now - age)
        notifications = Notification.objects.bulk_create(notifications, batch_size=500)
        # created_at is auto_now_add, so bulk_create stamped "now": spread it over the last 30 days.
        for notification, stamp in zip(notifications, created_at, strict=True):
            notification.created_at = stamp
        Notification.objects.bulk_update(notifications, ["created_at"], batch_size=500)

        follow_ups = []
        for user in people:
            for n in range(FOLLOW_UPS_PER_USER):
                if n < 6:  # today, during the working day
                    due = day_start + timedelta(hours=8, minutes=rng.randint(0, 10 * 60))
                elif n < 10:  # overdue from earlier days
                    due = day_start - timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 10))
                else:  # upcoming
                    due = day_end + timedelta(days=rng.randint(0, 20), hours=rng.randint(8, 18))
                done = n % 5 == 4
                follow_ups.append(
                    FollowUp(
                        owner=user,
                        created_by=user,
                        due_at=due,
                        note=f"Llamar de nuevo al cliente {rng.randint(10000, 99999)}",
                        done_at=min(due, now) if done else None,
                    )
                )
        FollowUp.objects.bulk_create(follow_ups, batch_size=500)
    return {
        "campaigns": 1,
        "supervisors": len(supervisors),
        "agents": len(agents),
        "notifications": Notification.objects.count(),
        "follow_ups": FollowUp.objects.count(),
    }


def count_queries() -> dict:
    """Queries each page runs for a logged-in agent and supervisor (after one warm-up request)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core.models import User

    results = {}
    for role, username in (("agente", agent_username(1)), ("supervisor", supervisor_username(1))):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend")
        for page, url in PAGES.items():
            warm = client.get(url)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            results[f"{role} {page}"] = {
                "url": url,
                "status": [warm.status_code, response.status_code],
                "content_ok": MARKER in response.content.decode(),
                "count": len(captured.captured_queries),
                "queries": [q["sql"] for q in captured.captured_queries],
            }
    return results


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command not in {"seed", "queries"}:
        print("uso: home_data.py seed|queries", file=sys.stderr)
        return 2
    setup_django()
    result = seed() if command == "seed" else count_queries()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
