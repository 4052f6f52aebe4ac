"""Background tasks of the core app: thin wrappers around services (ARCHITECTURE.md §8)."""

from django_tasks import task

from core import services


@task()
def follow_up_remind(*, follow_up_id: int) -> int | None:
    notification = services.follow_up_remind(follow_up_id=follow_up_id)
    return notification.pk if notification else None
