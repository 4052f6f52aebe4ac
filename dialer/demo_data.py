"""Demo data of the dialer: two weeks of calls of every collections agent to their debtors, so
the metrics pages and the call log have something real to show."""

import random
import uuid
from datetime import datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from cartera.models import Debtor
from core.models import User
from core.roles import Role
from dialer.choices import CallStatus, Provider
from dialer.models import CallLog

DAYS = 14
# How calls end in a collections campaign: most are not answered.
OUTCOMES = [CallStatus.COMPLETED] * 9 + [CallStatus.NO_ANSWER] * 6 + [CallStatus.BUSY] * 2
OUTCOMES += [CallStatus.FAILED, CallStatus.DROPPED]


@transaction.atomic
def seed() -> str:
    if CallLog.objects.exists():
        return "ya había llamadas"
    rng = random.Random(20260302)  # noqa: S311 - demo data, the same every time
    debtor_type = ContentType.objects.get_for_model(Debtor)
    now = timezone.now()
    today = timezone.localdate()
    calls = []
    for agent in User.objects.filter(role=Role.AGENTE, is_active=True).order_by("pk"):
        debtors = list(Debtor.objects.filter(assigned_agent=agent).prefetch_related("phones")[:60])
        if not debtors:
            continue
        for offset in range(DAYS - 1, -1, -1):
            day = today - timedelta(days=offset)
            moment = timezone.make_aware(datetime.combine(day, time(8, rng.randint(0, 30))))
            for _ in range(rng.randint(12, 28)):
                status = rng.choice(OUTCOMES)
                seconds = rng.randint(60, 420) if status == CallStatus.COMPLETED else rng.randint(8, 40)
                if moment + timedelta(seconds=seconds) > now:
                    break
                debtor = rng.choice(debtors)
                phone = next(iter(debtor.phones.all()), None)
                calls.append(
                    CallLog(
                        uuid=uuid.UUID(int=rng.getrandbits(128)),
                        user=agent,
                        content_type=debtor_type,
                        object_id=str(debtor.pk),
                        phone=phone.e164 if phone else "",
                        campaign_id=debtor.campaign_id,
                        provider=Provider.INTERPHONE,
                        started_at=moment,
                        ended_at=moment + timedelta(seconds=seconds),
                        duration_seconds=seconds,
                        status=status,
                    )
                )
                moment += timedelta(seconds=seconds + rng.randint(60, 900))
    CallLog.objects.bulk_create(calls)
    return f"{len(calls)} llamadas"
