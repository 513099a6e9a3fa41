"""Webhooks: signed deliveries of domain events to the endpoints admins register.

Deliveries are rows (a queue), written in the same transaction as their event
(app/services/events.py) and sent out of band by `deliver_due()` — from the scheduler every
minute, or `flask --app run crm webhooks-deliver` — never inside a user's request.

Each POST carries the event's JSON body and these headers:
  X-CRM-Event: lead.converted         X-CRM-Delivery: 17 (the delivery id; same on retries)
  X-CRM-Timestamp: 1764061200 (Unix seconds of this attempt)
  X-CRM-Signature: sha256=<hex HMAC-SHA256 of f"{timestamp}.{body}" with the endpoint's secret>
A receiver recomputes the HMAC, compares in constant time and rejects old timestamps (replays).
Any 2xx is success; anything else (3xx included: redirects are not followed), a timeout (5 s) or a
network error is retried after 30 s, 1, 2, 4 … minutes (capped at 6 h), MAX_ATTEMPTS in all;
then the delivery is "failed" and an admin may resend it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import secrets
import time
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from app.extensions import db
from app.models import DeliveryStatus, EventKind, WebhookDelivery, WebhookEndpoint, utcnow

from .errors import NotFound, ValidationFailed

TIMEOUT_SECONDS = 5
MAX_ATTEMPTS = 8
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=6)
LOCK = dt.timedelta(seconds=TIMEOUT_SECONDS * 4)
USER_AGENT = "ReservoirCRM-Webhooks/1"


# -- endpoints --------------------------------------------------------------------------------
def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(_l("The address must start with http:// or https:// and name a host."))
    if parts.username or parts.password:
        raise ValidationFailed(_l("Put no user name or password in the address; requests are signed."))
    if len(url) > 500 or any(c.isspace() for c in url):
        raise ValidationFailed(_l("The address is too long or contains spaces."))
    return url


def check_events(events) -> list[str]:
    known = {str(k) for k in EventKind}
    chosen = sorted({str(e) for e in events or []})
    if not chosen:
        raise ValidationFailed(_l("Choose at least one event."))
    unknown = [e for e in chosen if e not in known]
    if unknown:
        raise ValidationFailed(_l("Unknown event: %(name)s", name=", ".join(unknown)))
    return chosen


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_l("Give the endpoint a name of at most 100 characters."))
    return name


def create_endpoint(name: str, url: str, events, active: bool = True, user_id: int | None = None
                    ) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(name=check_name(name), url=check_url(url), events=check_events(events),
                               active=bool(active), secret=new_secret(), created_by_id=user_id)
    db.session.add(endpoint)
    db.session.commit()
    return endpoint


def get_endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(_l("Not found."))
    return endpoint


def update_endpoint(endpoint_id: int, name: str, url: str, events, active: bool) -> WebhookEndpoint:
    endpoint = get_endpoint(endpoint_id)
    endpoint.name, endpoint.url = check_name(name), check_url(url)
    endpoint.events, endpoint.active = check_events(events), bool(active)
    db.session.commit()
    return endpoint


def rotate_secret(endpoint_id: int) -> WebhookEndpoint:
    endpoint = get_endpoint(endpoint_id)
    endpoint.secret = new_secret()
    db.session.commit()
    return endpoint


def delete_endpoint(endpoint_id: int) -> None:
    db.session.delete(get_endpoint(endpoint_id))
    db.session.commit()


def subscriptions() -> list[tuple[int, set[str]]]:
    """(endpoint id, its event kinds) of every active endpoint."""
    rows = db.session.execute(select(WebhookEndpoint.id, WebhookEndpoint.events)
                              .where(WebhookEndpoint.active.is_(True))).all()
    return [(row.id, set(row.events or ())) for row in rows]


# -- the queue --------------------------------------------------------------------------------
def enqueue(event_id: int, endpoint_ids: list[int]) -> None:
    """One pending delivery per endpoint (called by events.record, inside its transaction)."""
    from .events import insert_ignore

    now = utcnow()
    for endpoint_id in endpoint_ids:
        insert_ignore(WebhookDelivery.__table__, {
            "event_id": event_id, "endpoint_id": endpoint_id, "status": DeliveryStatus.PENDING.value,
            "attempts": 0, "next_attempt_at": now, "created_at": now,
        }, ["event_id", "endpoint_id"])


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try after `attempts` failed ones: 30 s, 1 min, 2 min, 4 min …"""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _send(url: str, secret: str, kind: str, delivery_id: int, body: bytes) -> tuple[int | None, str | None]:
    """POST once; (HTTP status or None, error text or None). Redirects are not followed."""
    timestamp = int(time.time())
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = None
    try:
        connection = connection_class(parts.hostname, parts.port, timeout=TIMEOUT_SECONDS)
        connection.request("POST", path, body=body, headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-CRM-Event": kind,
            "X-CRM-Delivery": str(delivery_id),
            "X-CRM-Timestamp": str(timestamp),
            "X-CRM-Signature": sign(secret, timestamp, body),
        })
        response = connection.getresponse()
        response.read(65536)
        status = response.status
        return status, None if 200 <= status < 300 else f"HTTP {status}"
    except (OSError, http.client.HTTPException, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"[:500]
    finally:
        if connection is not None:
            connection.close()


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    """Hold one due delivery for this sender (one conditional UPDATE: two senders never share)."""
    taken = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == DeliveryStatus.PENDING,
               or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now))
        .values(locked_until=now + LOCK).execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.commit()
    return taken


def deliver_due(limit: int = 100, now: dt.datetime | None = None) -> int:
    """Send the deliveries that are due (at most `limit`); returns how many were attempted.

    Called by the scheduler every minute and by `crm webhooks-deliver`. No database lock is held
    while a receiver answers: each row is claimed and committed first, then sent, then updated.
    """
    now = now or utcnow()
    due = db.session.scalars(
        select(WebhookDelivery.id)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)
    ).all()
    db.session.commit()
    attempted = 0
    for delivery_id in due:
        if _claim(delivery_id, now):
            _attempt(delivery_id, now)
            attempted += 1
    return attempted


def _attempt(delivery_id: int, now: dt.datetime) -> None:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    endpoint, event = delivery.endpoint, delivery.event
    url, secret, active = endpoint.url, endpoint.secret, endpoint.active
    body = event.payload.encode("utf-8")
    kind = event.kind
    db.session.commit()  # nothing open while we wait for the receiver
    if active:
        code, error = _send(url, secret, kind, delivery_id, body)
    else:
        code, error = None, "endpoint inactive"
    delivery = db.session.get(WebhookDelivery, delivery_id)
    delivery.attempts += 1
    delivery.last_attempt_at = utcnow()
    delivery.last_status_code = code
    delivery.locked_until = None
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = DeliveryStatus.DELIVERED, utcnow(), None
        delivery.next_attempt_at = None
    else:
        delivery.last_error = error or f"HTTP {code}"
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
    db.session.commit()


def resend(delivery_id: int) -> WebhookDelivery:
    """Send again as soon as the queue runs: a fresh round of attempts, same body and id."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound(_l("Not found."))
    delivery.status, delivery.attempts = DeliveryStatus.PENDING, 0
    delivery.next_attempt_at, delivery.locked_until = utcnow(), None
    db.session.commit()
    return delivery


def recent_deliveries(endpoint_id: int | None = None, status: str | None = None, limit: int = 100
                      ) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
    if endpoint_id:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    if status:
        query = query.where(WebhookDelivery.status == status)
    return list(db.session.scalars(query))
