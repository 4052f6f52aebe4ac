"""Background tasks of the tickets app: thin wrappers around services (ARCHITECTURE.md §8)."""

from django_tasks import task


@task()
def ticket_email_send(*, to: str, subject: str, body: str) -> int:
    from tickets.services import email_send

    return email_send(to=to, subject=subject, body=body)


@task()
def ticket_sla_warn(*, ticket_id: int, target: str, due_at: str) -> int:
    """Runs when an SLA target is about to be breached; does nothing if the ticket moved on."""
    from tickets.services import ticket_sla_warn as warn

    return len(warn(ticket_id=ticket_id, target=target, due_at=due_at))
