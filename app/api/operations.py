"""The CRM's operations as endpoints: claim / release (公海), convert a lead, merge duplicates.

Each is a thin door: it parses the request, calls the service with the caller, and turns the
service's typed errors into JSON answers. Conversion and merge services are imported when called.
"""

from __future__ import annotations

from dataclasses import asdict

from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.security.scope import visibility_clause
from app.services.errors import CrmError

from .base import api_user

NOT_FOUND_REASON = str(_l("Not found."))


class PoolMixin:
    """POST /<resource>/<id>/claim and /<resource>/<id>/release {"reason": "…"}."""

    pool_entity: str = ""

    @expose("/<int:pk>/claim", methods=["POST"])
    @protect()
    @safe
    @permission_name("claim")
    def claim(self, pk):
        """Claim a record from the public pool (领取)
        ---
        post:
          summary: Claim a record from the public pool (领取); answers the record as it is now
        """
        from app.services.pool import claim

        if not _is_id(pk):
            return self.response_404()
        outcome = claim(self.pool_entity, [pk], api_user())
        return self._pool_answer(pk, outcome, _l("Claimed."))

    @expose("/<int:pk>/release", methods=["POST"])
    @protect()
    @safe
    @permission_name("release")
    def release(self, pk):
        """Return a record to the public pool with a reason (退回公海)
        ---
        post:
          summary: Return a record to the public pool with a reason (退回公海); answers the record
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    reason:
                      type: string
                  required: [reason]
        """
        from app.services.pool import release

        if not _is_id(pk):
            return self.response_404()
        data = self.json_payload()
        if data is None:
            return self.response_400(message=_l("Send a JSON object."))
        reason = data.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            return self.response_422(message={"reason": [str(_l("Say why you are returning it to the pool."))]})
        try:
            outcome = release(self.pool_entity, [pk], api_user(), reason)
        except CrmError as error:
            return self.crm_error(error)
        return self._pool_answer(pk, outcome, _l("Returned to the pool."))

    def _pool_answer(self, pk, outcome, done_message):
        if pk in outcome.done:
            item = db.session.get(self.model, pk)
            response = self._record_response(200, item)
            body = response.get_json()
            body["message"] = str(done_message)
            return self.response(200, **body)
        reason = str(outcome.refused.get(pk, NOT_FOUND_REASON))
        if reason == NOT_FOUND_REASON:
            self._log_denied(pk, "pool")
            return self.response_404()
        return self.response(409, message=reason)


class ConvertMixin:
    """POST /lead/<id>/convert — lead conversion (线索转化) by app.services.conversion."""

    @expose("/<int:pk>/convert", methods=["POST"])
    @protect()
    @safe
    @permission_name("convert")
    def convert(self, pk):
        """Convert a lead into an account, a contact and optionally an opportunity
        ---
        post:
          summary: Convert a lead (线索转化); answers what the conversion created or reused
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    account_id:
                      type: integer
                      description: an existing account to convert into
                    contact_id:
                      type: integer
                    reuse_account:
                      type: boolean
                    create_contact:
                      type: boolean
                    create_opportunity:
                      type: boolean
                    opportunity:
                      type: object
                      properties:
                        name:
                          type: string
                        amount:
                          type: string
                        stage_id:
                          type: integer
                        expected_close_date:
                          type: string
                          format: date
        """
        from app.services.conversion import convert_lead

        data = self.json_payload() if self.json_payload() is not None else {}
        if not _is_id(pk) or not db.session.scalar(select(self.model.id).where(
                self.model.id == pk, visibility_clause(self.model, api_user()))):
            self._log_denied(pk, "convert")
            return self.response_404()
        options, errors = _conversion_options(data)
        if errors:
            return self.response_422(message=errors)
        try:
            result = convert_lead(pk, api_user(), **options)
        except CrmError as error:
            return self.crm_error(error)
        return self.response(200, message=str(_l("Converted.")), result=_plain(result))

    @expose("/convert", methods=["POST"])
    @protect()
    @safe
    @permission_name("convert")
    def convert_many(self):
        """Convert many leads, each in its own transaction (批量转化)
        ---
        post:
          summary: Convert many leads (批量转化); answers per lead what happened
          description: >-
            Each lead is converted on its own (one transaction per lead), with the same options as
            one lead's conversion except `contact_id`; an existing duplicate account is reused.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    ids:
                      type: array
                      items:
                        type: integer
                    create_contact:
                      type: boolean
                    create_opportunity:
                      type: boolean
                  required: [ids]
        """
        from app.services.conversion import convert_leads

        data = self.json_payload()
        if data is None:
            return self.response_400(message=_l("Send a JSON object."))
        ids = data.pop("ids", None)
        if not isinstance(ids, list) or not ids or not all(_is_id(v) for v in ids):
            return self.response_422(message={"ids": [str(_l("Enter a list of record ids."))]})
        options, errors = _conversion_options(data)
        if errors:
            return self.response_422(message=errors)
        try:
            outcomes = convert_leads(ids, api_user(), **options)
        except CrmError as error:
            return self.crm_error(error)
        done = [o for o in outcomes if o.ok]
        return self.response(200, message=str(_l("%(done)s of %(count)s leads converted.", done=len(done),
                                                  count=len(outcomes))),
                             converted=len(done), refused=len(outcomes) - len(done),
                             result=[{"lead_id": o.lead_id, "ok": o.ok,
                                      "result": _plain(o.result) if o.ok else None,
                                      "error": None if o.ok else str(o.error)} for o in outcomes])


class MergeMixin:
    """POST /<resource>/merge {"survivor_id": 1, "other_ids": [2, 3], "choices": {field: id}}."""

    @expose("/merge", methods=["POST"])
    @protect()
    @safe
    @permission_name("merge")
    def merge(self):
        """Merge duplicates into one surviving record (合并)
        ---
        post:
          summary: Merge duplicates into one surviving record (合并)
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    survivor_id:
                      type: integer
                    other_ids:
                      type: array
                      items:
                        type: integer
                    choices:
                      type: object
                      description: field -> id of the record whose value survives
                  required: [survivor_id, other_ids]
        """
        from app.services.merge import merge_records

        data = self.json_payload()
        if data is None:
            return self.response_400(message=_l("Send a JSON object."))
        survivor, others, choices = data.get("survivor_id"), data.get("other_ids"), data.get("choices")
        errors = {}
        if not _is_id(survivor):
            errors["survivor_id"] = [str(_l("This field is required."))]
        if not isinstance(others, list) or not others or not all(_is_id(v) for v in others):
            errors["other_ids"] = [str(_l("Enter a list of record ids."))]
        if choices is not None and (not isinstance(choices, dict)
                                    or not all(_is_id(v) for v in choices.values())):
            errors["choices"] = [str(_l("This value is not valid."))]
        if errors:
            return self.response_422(message=errors)
        try:
            result = merge_records(self.resource_name, survivor, others, api_user(),
                                   choices={str(k): v for k, v in (choices or {}).items()})
        except CrmError as error:
            return self.crm_error(error)
        return self.response(200, message=str(_l("Merged.")), result=_plain(result))


CONVERSION_OPTIONS = {"account_id": int, "contact_id": int, "reuse_account": bool, "create_contact": bool,
                      "create_opportunity": bool, "opportunity": dict}


def _conversion_options(data: dict) -> tuple[dict, dict]:
    """The conversion options a payload gives (unknown names ignored), and {field: messages}."""
    options = {}
    for name, value in data.items():
        kind = CONVERSION_OPTIONS.get(name)
        if kind is None or value is None:
            continue
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return {}, {name: [str(_l("This value is not valid."))]}
        options[name] = value
    return options, {}


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _plain(result) -> dict:
    try:
        return {k: v for k, v in asdict(result).items()}
    except TypeError:
        return {"value": str(result)}
