"""Webhooks against a real HTTP receiver on 127.0.0.1: signed, retried with backoff, resendable."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import DeliveryStatus, WebhookDelivery, utcnow
from app.services import events, webhooks
from app.services.errors import ValidationFailed
from tests.factories import make_lead
from tests.views.test_forms import form_defaults


class Receiver:
    """A tiny HTTP server recording what it receives; answers `status` after `delay` seconds."""

    def __init__(self, status: int = 200, delay: float = 0.0):
        self.status, self.delay, self.received = status, delay, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.headers, body))
                time.sleep(receiver.delay)
                try:
                    self.send_response(receiver.status)
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the sender gave up waiting (timeout tests)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/crm-hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    made = []

    def make(**kwargs):
        made.append(Receiver(**kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


def deliveries():
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_signed_delivery_reaches_the_receiver(app_ctx, users, receiver):
    server = receiver()
    endpoint = webhooks.create_endpoint("ERP", server.url, ["lead.created"])
    lead = make_lead(owner=users["Sales Rep"])
    events.process_new_history()
    assert server.received == []  # nothing is sent before the queue runs
    assert webhooks.deliver_due() == 1
    (headers, body), = server.received  # headers: case-insensitive, as HTTP
    timestamp = headers["X-CRM-Timestamp"]
    expected = hmac.new(endpoint.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-CRM-Signature"], f"sha256={expected}")
    assert abs(int(timestamp) - time.time()) < 60
    assert headers["X-CRM-Event"] == "lead.created"
    delivery, = deliveries()
    assert headers["X-CRM-Delivery"] == str(delivery.id)
    payload = json.loads(body)
    assert payload["record"]["id"] == lead.id and payload["event"] == "lead.created"
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert webhooks.deliver_due() == 0  # delivered once, not again


def test_a_wrong_secret_does_not_verify(app_ctx, users, receiver):
    server = receiver()
    webhooks.create_endpoint("ERP", server.url, ["lead.created"])
    make_lead(owner=users["Sales Rep"])
    events.process_new_history()
    webhooks.deliver_due()
    (headers, body), = server.received  # headers: case-insensitive, as HTTP
    forged = hmac.new(b"whsec_guess", f"{headers['X-CRM-Timestamp']}.".encode() + body,
                      hashlib.sha256).hexdigest()
    assert headers["X-CRM-Signature"] != f"sha256={forged}"


def test_failing_receiver_gets_retries_with_backoff_then_resend(app_ctx, users, receiver):
    server = receiver(status=500)
    webhooks.create_endpoint("ERP", server.url, ["lead.created"])
    make_lead(owner=users["Sales Rep"])
    events.process_new_history()
    now = utcnow()
    waits = []
    for attempt in range(1, webhooks.MAX_ATTEMPTS + 1):
        assert webhooks.deliver_due(now=now) == 1
        delivery, = deliveries()
        db.session.refresh(delivery)
        assert delivery.attempts == attempt and delivery.last_status_code == 500
        assert delivery.last_error == "HTTP 500"
        if attempt < webhooks.MAX_ATTEMPTS:
            waits.append(delivery.next_attempt_at - now)
            assert webhooks.deliver_due(now=now + dt.timedelta(seconds=1)) == 0  # not due yet
            now = delivery.next_attempt_at
    assert waits[:4] == [dt.timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert all(b > a for a, b in zip(waits, waits[1:], strict=False))
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    assert len(server.received) == webhooks.MAX_ATTEMPTS
    assert webhooks.deliver_due(now=now + dt.timedelta(days=1)) == 0  # given up
    # the receiver is fixed; an admin resends
    server.status = 204
    webhooks.resend(delivery.id)
    assert webhooks.deliver_due() == 1
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    bodies = {body for _headers, body in server.received}
    assert len(bodies) == 1  # the same body every time
    assert len({h["X-CRM-Delivery"] for h, _b in server.received}) == 1


def test_dead_receiver_is_a_network_error_retried(app_ctx, users, receiver):
    server = receiver()
    url = server.url
    server.close()
    webhooks.create_endpoint("ERP", url, ["lead.created"])
    make_lead(owner=users["Sales Rep"])
    events.process_new_history()
    assert webhooks.deliver_due() == 1
    delivery, = deliveries()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_status_code is None and "Connection" in delivery.last_error


def test_slow_receiver_times_out_and_never_slows_a_request(app, app_ctx, users, receiver, login, monkeypatch):
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 1)
    monkeypatch.setitem(app.config, "CRM_EVENTS_AFTER_REQUEST", True)
    server = receiver(delay=3)
    webhooks.create_endpoint("ERP", server.url, ["lead.created"])
    rep = login("Sales Rep")
    data = {k: v for k, v in form_defaults(rep, "/lead/add").items()}
    data.update(person_name="王小明", mobile="13912345678")
    started = time.perf_counter()
    response = rep.post("/lead/add", data=data)
    took = time.perf_counter() - started
    assert response.status_code == 302
    assert took < 1.5, f"the request took {took:.2f} s"
    assert events.runner(app).wait_idle(30)  # derived in the background right after the request
    delivery, = deliveries()  # queued, not sent
    assert delivery.status == "pending" and delivery.attempts == 0
    started = time.perf_counter()
    webhooks.deliver_due()
    assert time.perf_counter() - started < 2.5  # the short timeout, not the receiver's 3 s
    db.session.refresh(delivery)
    assert delivery.attempts == 1 and "timed out" in delivery.last_error.lower()


def test_inactive_or_unsubscribed_endpoints_get_nothing(app_ctx, users, receiver):
    server = receiver()
    webhooks.create_endpoint("Off", server.url, ["lead.created"], active=False)
    webhooks.create_endpoint("Other", server.url, ["opportunity.won"])
    make_lead(owner=users["Sales Rep"])
    events.process_new_history()
    assert db.session.scalar(select(func.count(WebhookDelivery.id))) == 0


@pytest.mark.parametrize("url", ["ftp://example.com/x", "javascript:alert(1)", "http://", "example.com/hook",
                                 "http://user:pw@example.com/", "http://exa mple.com/"])
def test_only_http_and_https_addresses(app_ctx, url):
    with pytest.raises(ValidationFailed):
        webhooks.create_endpoint("Bad", url, ["lead.created"])


def test_events_must_be_known_and_chosen(app_ctx):
    with pytest.raises(ValidationFailed):
        webhooks.create_endpoint("None", "https://erp.example.com/hook", [])
    with pytest.raises(ValidationFailed):
        webhooks.create_endpoint("Typo", "https://erp.example.com/hook", ["lead.exploded"])


def test_rotating_the_secret_changes_the_signature(app_ctx):
    endpoint = webhooks.create_endpoint("ERP", "https://erp.example.com/hook", ["lead.created"])
    old = endpoint.secret
    assert old.startswith("whsec_") and len(old) > 30
    assert webhooks.rotate_secret(endpoint.id).secret != old


def test_cli_derives_events_and_delivers(app, app_ctx, users, receiver):
    server = receiver()
    webhooks.create_endpoint("ERP", server.url, ["lead.created"])
    make_lead(owner=users["Sales Rep"])
    result = app.test_cli_runner().invoke(args=["crm", "webhooks-deliver"])
    assert result.exit_code == 0, result.output
    assert "New events: 1. Deliveries attempted: 1." in result.output
    assert len(server.received) == 1
