"""One piece of the work queue, read in one hand-written statement (see ``cartera.queue``).

A claim reads the first debtor of up to two pieces (the agent's own active debtors and the
pool's) every time an agent presses "Siguiente". PostgreSQL answers each from its index in about
0.1 ms; building the same query with the ORM took 1.5–3 ms of Python, most of a claim. The
statement is ``queue.queue_candidates`` narrowed to one owner and one inactivity state, and the
queue tests hold every claim to that definition, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection

from cartera.models import CarteraSettings, Debtor
from core.models import Campaign, FollowUp, User


def _piece(*, agent, campaign, config, now, pool, seen_from, seen_before, by_priority, exclude, columns) -> tuple:
    """SELECT ``columns`` of one piece, in its order, and its parameters (see ``read_piece``)."""
    ops = connection.ops
    quote, when = ops.quote_name, ops.adapt_datetimefield_value
    table = quote(Debtor._meta.db_table)
    debtor = {field.name: f"{table}.{quote(field.column)}" for field in Debtor._meta.concrete_fields}
    follow_up = {field.name: f"f.{quote(field.column)}" for field in FollowUp._meta.concrete_fields}
    # Only quoted names from the models go into the text; every value is a parameter.
    where = [
        f"{debtor['campaign']} = %s",
        f"NOT {debtor['closed']}",
        f"({debtor['lease_until']} IS NULL OR {debtor['lease_until']} <= %s OR {debtor['lease_holder']} = %s)",
        f"({debtor['last_contact_at']} IS NULL OR {debtor['last_contact_at']} <= %s)",
        f"NOT EXISTS (SELECT 1 FROM {quote(FollowUp._meta.db_table)} f WHERE {follow_up['content_type']} = %s"  # noqa: S608
        f" AND {follow_up['done_at']} IS NULL AND {follow_up['due_at']} > %s"
        f" AND {follow_up['object_id']} = CAST({debtor['id']} AS varchar(64)))",
    ]
    params = [
        campaign.pk,
        when(now),
        agent.pk,
        when(now - timedelta(minutes=config.retry_minutes)),
        ContentType.objects.get_for_model(Debtor).pk,
        when(now),
    ]
    if pool:
        where.append(f"{debtor['assigned_agent']} IS NULL")
    else:
        where.append(f"{debtor['assigned_agent']} = %s")
        params.append(agent.pk)
    if seen_from is not None:
        where.append(f"{debtor['last_seen_at']} >= %s")
        params.append(when(seen_from))
    if seen_before is not None:
        where.append(f"{debtor['last_seen_at']} < %s")
        params.append(when(seen_before))
    if exclude:
        where.append(f"{debtor['id']} NOT IN ({', '.join(['%s'] * len(exclude))})")
        params.extend(exclude)
    order = [debtor["priority"]] if by_priority else []
    order += [f"{debtor['last_contact_at']} ASC NULLS FIRST", debtor["id"]]
    select = ", ".join(debtor[name] for name in columns) if columns else f"{table}.*"
    sql = f"SELECT {select} FROM {table} WHERE {' AND '.join(where)} ORDER BY {', '.join(order)} LIMIT 1"  # noqa: S608
    if connection.features.has_select_for_update_skip_locked:
        sql += " FOR UPDATE SKIP LOCKED"
    return sql, params


def read_piece(
    *,
    agent: User,
    campaign: Campaign,
    config: CarteraSettings,
    now: datetime,
    pool: bool,
    seen_from: datetime | None,
    seen_before: datetime | None,
    by_priority: bool,
    exclude=(),
) -> Debtor | None:
    """The first workable debtor of the pool (``pool``) or of the agent, last seen in an import
    within [``seen_from``, ``seen_before``), ordered by (priority if ``by_priority``) then never
    contacted and oldest contact first. On PostgreSQL it is locked until the transaction ends,
    skipping rows other claims hold; SQLite serialises writers."""
    sql, params = _piece(
        agent=agent,
        campaign=campaign,
        config=config,
        now=now,
        pool=pool,
        seen_from=seen_from,
        seen_before=seen_before,
        by_priority=by_priority,
        exclude=exclude,
        columns=None,
    )
    return next(iter(Debtor.objects.raw(sql, params)), None)


def claim_active_head(
    *, agent: User, campaign: Campaign, config: CarteraSettings, now: datetime, until: datetime, pools, seen_from, below
) -> Debtor | None:
    """PostgreSQL, one statement: lock the first active debtor of each owner (``pools``: False
    for the agent's own, True for the pool), and lease the better one to ``agent`` if its
    priority is below ``below`` (no inactive debtor can then come first) and the agent holds no
    debtor of the campaign (that one may have to be resumed). ``None`` when there is none or it
    does not qualify: the caller checks what the agent holds and reads the queue piece by piece.
    A claim in one statement spares the round trips of a check and a transaction."""
    quote, when = connection.ops.quote_name, connection.ops.adapt_datetimefield_value
    table = quote(Debtor._meta.db_table)
    column = {name: quote(Debtor._meta.get_field(name).column) for name in ("id", "priority", "last_contact_at")}
    pieces, params = [], []
    for pool in pools:
        sql, piece_params = _piece(
            agent=agent,
            campaign=campaign,
            config=config,
            now=now,
            pool=pool,
            seen_from=seen_from,
            seen_before=None,
            by_priority=True,
            exclude=(),
            columns=("id", "priority", "last_contact_at"),
        )
        pieces.append(sql)
        params.extend(piece_params)
    heads = ", ".join(f"head{index} AS ({sql})" for index, sql in enumerate(pieces))
    union = " UNION ALL ".join(f"SELECT * FROM head{index}" for index in range(len(pieces)))  # noqa: S608
    order = f"{column['priority']}, {column['last_contact_at']} ASC NULLS FIRST, {column['id']}"
    lease_holder, lease_until, campaign_id = (
        quote(Debtor._meta.get_field(name).column) for name in ("lease_holder", "lease_until", "campaign")
    )
    holding = (
        f"SELECT 1 FROM {table} held WHERE held.{campaign_id} = %s"  # noqa: S608
        f" AND held.{lease_holder} = %s AND held.{lease_until} > %s"
    )
    sql = (
        f"WITH {heads}, best AS (SELECT * FROM ({union}) heads ORDER BY {order} LIMIT 1) "  # noqa: S608
        f"UPDATE {table} SET {lease_holder} = %s, {lease_until} = %s FROM best "
        f"WHERE {table}.{column['id']} = best.{column['id']} AND best.{column['priority']} < %s "
        f"AND NOT EXISTS ({holding}) RETURNING {table}.*"
    )
    params += [agent.pk, when(until), below, campaign.pk, agent.pk, when(now)]
    return next(iter(Debtor.objects.raw(sql, params)), None)
