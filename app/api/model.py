"""CrmModelApi: FAB's ModelRestApi with the CRM's rules on every operation.

- Data scope (app/security/scope.py) on list, get, put, delete, `_info` pickers and every id a
  payload refers to; a record outside the scope answers 404, like a missing one, and is logged.
- DELETE moves the record (and its children) to the recycle bin.
- Owners are set by the server: the creator owns what they create; `owner_id` in a payload is
  refused unless it repeats the stored value (claim, release, handover change owners).
- No lost updates: PUT must carry the version it is based on (`version` in the body or
  `If-Match`); a stale one answers 409 with the current version. Responses carry an ETag.
- Sync: `?updated_since=<ISO time>` and a stable order (updated_at, id); pages of at most 500.
- Upsert: `PUT /<resource>/by-external-id/<id>` creates or updates; sending it twice yields one record.
"""

from __future__ import annotations

import logging

from flask import g, request
from flask_appbuilder.api import ModelRestApi, expose, protect, safe
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla import Model
from flask_appbuilder.security.decorators import permission_name
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select, true
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.security.audit import log_denied, record_exists
from app.security.current import current_actor
from app.security.scope import ENTITY_OF, visibility_clause, visible
from app.services.concurrency import STALE_MESSAGE
from app.services.custom_fields import api as custom_api
from app.services.records import blank_to_none
from app.views.interface import CrmInterface

from .base import CrmApi, api_user
from .schemas import converter_for, parse_utc, translate

log = logging.getLogger(__name__)

EXTERNAL_ID_TAKEN = _l("This external id is already used by another record.")
EXTERNAL_ID_IN_BIN = _l("The record with this external id is in the recycle bin: restore it first.")
OWNER_BY_SERVER = _l("The owner is assigned by the server: use claim, release or assign to change it.")
NOT_SAVED = _l("The record could not be saved: it conflicts with other data.")
DUPLICATE_ON_CREATE = _l("It looks like a record that already exists. Send ?force=true to create it anyway.")
DUPLICATE_ON_EDIT = _l("With this change it looks like a record that already exists. "
                       "Send ?force=true to save it anyway.")
#: record type -> the API whose read permission lets a caller see it among the duplicates
DUPLICATE_APIS = {"lead": "LeadApi", "account": "AccountApi", "contact": "ContactApi"}
VERSION_NEEDED = _l("Send the version you are changing: `version` in the body or an If-Match header.")


class ScopeFilter(BaseFilter):
    """Base filter: rows outside the caller's data scope do not exist for the API."""

    name = "scope"
    arg_name = "crm_scope"

    def apply(self, query, value):
        return visible(query, self.model, current_actor())


class UpdatedSinceFilter(BaseFilter):
    name = "updated since"
    arg_name = "crm_updated_since"

    def apply(self, query, value):
        return query.filter(self.model.updated_at >= value)


class ApiInterface(CrmInterface):
    """Every order gets the primary key as tie-breaker, so pages never skip or repeat rows."""

    def apply_order_by(self, query, order_column, order_direction, aliases_mapping=None,
                       bypass_many_to_many=False, add_pk=False):
        return super().apply_order_by(query, order_column, order_direction, aliases_mapping,
                                      bypass_many_to_many, add_pk=True)


def _target_model(column):
    """The mapped class a foreign-key column points at."""
    fk = next(iter(column.foreign_keys))
    for mapper in Model.registry.mappers:
        if mapper.local_table is fk.column.table:
            return mapper.class_
    return None


class CrmModelApi(CrmApi, ModelRestApi):
    #: the model; a subclass that sets it gets the datamodel, columns and filters derived
    model = None
    #: columns a GET returns, and columns a POST/PUT may set
    read_columns: tuple[str, ...] = ()
    write_columns: tuple[str, ...] = ()
    #: column -> LabelledEnum: stored as codes, validated against them
    coded: dict = {}
    #: run the duplicate check (app.services.duplicates) on create and edit, unless ?force=true
    duplicate_entity: str | None = None
    #: relationships loaded with one IN query per page
    eager: tuple[str, ...] = ()
    page_size = 50
    base_order = ("updated_at", "asc")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "model" not in cls.__dict__:
            return
        cls.datamodel = ApiInterface(cls.model, eager=cls.eager)
        cls.list_columns = cls.show_columns = list(cls.read_columns)
        cls.add_columns = cls.edit_columns = list(cls.write_columns)
        relations = set(cls.model.__mapper__.relationships.keys())
        scalar = [c for c in cls.read_columns if c not in relations]
        cls.list_select_columns = cls.show_select_columns = scalar
        cls.search_columns = [c for c in scalar if c not in ("version",)]
        cls.order_columns = [c for c in scalar if c in ("id", "updated_at", "created_at", "name",
                                                           "person_name", "company_name", "subject",
                                                           "due_at", "amount", "sort_order")]
        cls.base_filters = [["id", ScopeFilter, None]]
        cls.model2schemaconverter = converter_for(cls.coded)
        if not hasattr(cls.model, "updated_at"):
            cls.base_order = ("id", "asc")

    # -- the entity-specific rules (records.py) ----------------------------------------------
    def rules(self, item, data: dict) -> dict:
        """Cross-field checks on the record about to be saved: {field: message}."""
        return {}

    # -- the OpenAPI description of what these endpoints really answer ----------------------
    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs):
        super().operation_helper(path=path, operations=operations, methods=methods, func=func, **kwargs)
        document(self, func.__name__, operations, path or "")

    # -- custom fields 自定义字段: `custom` in answers and in the OpenAPI schemas --------------
    def pre_get(self, data):
        pk = data.get("id")
        if not _valid_pk(pk):
            return
        extra = custom_api.dump_many(self.model, [int(pk)], api_user())
        if extra and isinstance(data.get("result"), dict):
            data["result"]["custom"] = next(iter(extra.values()))

    def pre_get_list(self, data):
        extra = custom_api.dump_many(self.model, list(data.get("ids") or []), api_user())
        for pk, row in zip(data.get("ids") or [], data.get("result") or [], strict=False):
            if pk in extra:
                row["custom"] = extra[pk]

    def add_apispec_components(self, api_spec):
        super().add_apispec_components(api_spec)
        custom_api.document(api_spec, self)

    def _label_columns_json(self, cols=None):
        return {k: str(v) for k, v in self.label_columns.items() if k in (cols or [])}

    # -- reading ------------------------------------------------------------------------------
    def get_headless(self, pk, **kwargs):
        if not _valid_pk(pk):
            return self.response_404()
        response = super().get_headless(pk, **kwargs)
        if response.status_code == 404:
            self._log_denied(pk, "get")
        elif response.status_code == 200:
            version = (response.get_json().get("result") or {}).get("version")
            if version is not None:
                response.set_etag(str(version))
        return response

    def get_list_headless(self, **kwargs):
        g.crm_updated_since = None
        raw = request.args.get("updated_since")
        if raw is not None:
            try:
                g.crm_updated_since = parse_utc(raw)
            except ValueError:
                return self.response_400(message=_l(
                    "updated_since must be an ISO date and time, such as 2026-11-25T08:00:00Z."))
        return super().get_list_headless(**kwargs)

    def _handle_filters_args(self, rison_args):
        filters = super()._handle_filters_args(rison_args)
        since = g.get("crm_updated_since")
        if since is not None and hasattr(self.model, "updated_at"):
            filters.add_filter("updated_at", UpdatedSinceFilter, since)
        return filters

    def _get_list_related_field(self, field, filter_rel_field, page=None, page_size=None):
        # FAB's pickers ignore base filters: the related records are scoped here
        scoped = list(filter_rel_field or []) + [["id", ScopeFilter, None]]
        return super()._get_list_related_field(field, scoped, page=page, page_size=page_size)

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        if not self.description_columns.get(field.name):
            info["description"] = ""  # FAB translates "" into the catalogue's header
        column = self.model.__table__.columns.get(field.name)
        if column is not None and column.foreign_keys:
            target = _target_model(column)
            if target is not None and target.__tablename__ != "ab_user":
                info["count"], info["values"] = self._picker_values(target, page, page_size)
        return info

    def _picker_values(self, target, page, page_size):
        page, page_size = self._sanitize_page_args(page, page_size or 20)
        stmt = select(target).where(visibility_clause(target, api_user())).order_by(target.id.desc())
        rows = db.session.scalars(stmt.offset((page or 0) * page_size).limit(page_size)).all()
        return len(rows), [{"id": row.id, "value": str(row)} for row in rows]

    # -- writing ------------------------------------------------------------------------------
    def post_headless(self):
        data = self.json_payload()
        if data is None:
            return self.response_400(message=_l("Send a JSON object."))
        return self._create(data)

    def put_headless(self, pk):
        data = self.json_payload()
        if data is None:
            return self.response_400(message=_l("Send a JSON object."))
        item = self.datamodel.get(pk, self._base_filters) if _valid_pk(pk) else None
        if item is None:
            self._log_denied(pk, "put")
            return self.response_404()
        return self._update(item, data, require_version=True)

    def delete_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters) if _valid_pk(pk) else None
        if item is None:
            self._log_denied(pk, "delete")
            return self.response_404()
        self.datamodel.delete(item)  # soft: to the recycle bin, with its children
        return self.response(200, message=str(_l("Moved to the recycle bin.")))

    @expose("/by-external-id/<path:external_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get_by_external_id(self, external_id):
        """Get the record another system knows by this external id
        ---
        get:
          summary: Get the record another system knows by this external id
          parameters:
          - in: path
            schema:
              type: string
              maxLength: 64
            name: external_id
        """
        if not hasattr(self.model, "external_id"):
            return self.response_404()
        item = db.session.scalar(select(self.model).where(
            self.model.external_id == external_id, visibility_clause(self.model, api_user())))
        if item is None:
            return self.response_404()
        return self._record_response(200, item)

    @expose("/by-external-id/<path:external_id>", methods=["PUT"])
    @protect()
    @safe
    @permission_name("put")
    def upsert(self, external_id):
        """Create or update the record another system knows by this external id (idempotent)
        ---
        put:
          summary: Create or update by external id (idempotent)
          description: >-
            Creates the record when no record has this external id (needs the create permission
            too), otherwise updates it. The same request twice yields one record. A `version` (or
            If-Match) makes the update conditional. `?force=true` skips the duplicate check.
          parameters:
          - in: path
            schema:
              type: string
              maxLength: 64
            name: external_id
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/{{self.__class__.__name__}}.put'
        """
        if not hasattr(self.model, "external_id"):
            return self.response_404()
        data = self.json_payload()
        if data is None:
            return self.response_400(message=_l("Send a JSON object."))
        external_id = external_id.strip()
        if not external_id or len(external_id) > 64:
            return self.response_422(message={"external_id": [str(_l("At most %(max)s characters.", max=64))]})
        if data.get("external_id") not in (None, external_id):
            return self.response_422(message={"external_id": [str(_l(
                "The external id in the body differs from the one in the address."))]})
        data["external_id"] = external_id
        for _attempt in range(2):  # a concurrent upsert of the same new id: the loser updates
            existing = db.session.scalar(select(self.model).where(self.model.external_id == external_id)
                                         .execution_options(include_deleted=True))
            if existing is None:
                if not self.appbuilder.sm.has_access("can_post", self.class_permission_name):
                    return self.response_403()
                response = self._create(dict(data))
                if response.status_code != 409 or not g.pop("crm_external_id_race", False):
                    return response
                continue
            if existing.deleted_at is not None:
                seen = db.session.scalar(select(self.model.id).where(
                    self.model.id == existing.id, visibility_clause(self.model, api_user()))
                    .execution_options(include_deleted=True))
                message = EXTERNAL_ID_IN_BIN if seen else EXTERNAL_ID_TAKEN
                return self.response(409, message=str(message))
            if not db.session.scalar(select(self.model.id).where(
                    self.model.id == existing.id, visibility_clause(self.model, api_user()))):
                log_denied(api_user(), self.model.__tablename__, existing.id, "api:upsert")
                return self.response(409, message=str(EXTERNAL_ID_TAKEN))
            return self._update(existing, data, require_version=False)
        return self.response(409, message=str(EXTERNAL_ID_TAKEN))

    # -- the shared write path ----------------------------------------------------------------
    def _create(self, data: dict):
        custom = data.pop("custom", None)  # custom fields 自定义字段 (app/services/custom_fields/api.py)
        errors = self._check_read_only(None, data)
        if errors:
            return self.response_422(message=errors)
        data.pop("version", None)
        with db.session.no_autoflush:
            try:
                item = self.add_model_schema.load(data)
            except ValidationError as err:
                db.session.rollback()
                return self.response_422(message=translate(err.messages))
            blank_to_none(item)
            if hasattr(item, "owner_id"):
                item.owner_id = api_user().id
            # business rules read the linked records: only once every link is known to be sound
            errors = (self._check_links(item, data) or self.rules(item, data)
                      or custom_api.load(self.model, item, custom, api_user(), creating=True))
            if errors:
                db.session.rollback()
                return self.response_422(message=translate(errors))
            duplicates = self._duplicates(item)
            if duplicates:
                db.session.rollback()
                return self.response(409, message=str(DUPLICATE_ON_CREATE), duplicates=duplicates)
        db.session.add(item)
        failure = self._commit()
        if failure is not None:
            return failure
        return self._record_response(201, item)

    def _update(self, item, data: dict, require_version: bool):
        expected = data.pop("version", None)
        if expected is None:
            expected = _if_match()
        if hasattr(item, "version"):
            if expected is None and require_version:
                return self.response(428, message=str(VERSION_NEEDED))
            if expected is not None and str(expected) != str(item.version):
                return self.response(409, message=str(STALE_MESSAGE), current_version=item.version)
        custom = data.pop("custom", None)  # custom fields 自定义字段 (app/services/custom_fields/api.py)
        errors = self._check_read_only(item, data)
        if errors:
            return self.response_422(message=errors)
        before = self._match_values(item)
        with db.session.no_autoflush:
            try:
                item = self.edit_model_schema.load(data, instance=item, partial=True)
            except ValidationError as err:
                db.session.rollback()
                return self.response_422(message=translate(err.messages))
            blank_to_none(item)
            # business rules read the linked records: only once every link is known to be sound
            errors = (self._check_links(item, data) or self.rules(item, data)
                      or custom_api.load(self.model, item, custom, api_user(), creating=False))
            if errors:
                db.session.rollback()
                return self.response_422(message=translate(errors))
            duplicates = self._duplicates(item, before)
            if duplicates:
                db.session.rollback()
                return self.response(409, message=str(DUPLICATE_ON_EDIT), duplicates=duplicates)
        failure = self._commit()
        if failure is not None:
            return failure
        return self._record_response(200, item)

    def _commit(self):
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            return self.response(409, message=str(STALE_MESSAGE))
        except (IntegrityError, DBAPIError) as error:
            db.session.rollback()
            text = str(getattr(error, "orig", error)).lower()
            if "external_id" in text:
                g.crm_external_id_race = True
                return self.response(409, message=str(EXTERNAL_ID_TAKEN))
            log.info("API save refused by the database: %s", type(getattr(error, "orig", error)).__name__)
            return self.response(409 if "unique" in text else 422, message=str(NOT_SAVED))
        return None

    def _record_response(self, code: int, item):
        result = self.show_model_schema.dump(item, many=False)
        custom = custom_api.dump(self.model, item, api_user())
        if custom is not None:
            result["custom"] = custom
        response = self.response(code, id=item.id, result=result)
        if getattr(item, "version", None) is not None:
            response.set_etag(str(item.version))
        return response

    def _check_read_only(self, item, data: dict) -> dict:
        errors = {}
        for name in set(self.write_columns) & set(self.model.__mapper__.relationships.keys()) & set(data):
            value = data[name]
            if not isinstance(value, list) or not all(_valid_pk(v) and isinstance(v, int) for v in value):
                errors[name] = [str(_l("Enter a list of record ids."))]
        if "owner_id" in data:
            current = item.owner_id if item is not None else api_user().id
            if data["owner_id"] != current:
                errors["owner_id"] = [str(OWNER_BY_SERVER)]
            data.pop("owner_id")
        for name in (set(self.read_columns) - set(self.write_columns)) & set(data):
            data.pop(name)  # read-only fields echoed from a GET are ignored
        return errors

    def _check_links(self, item, data: dict) -> dict:
        """Every id the payload names must be a live record the caller may see."""
        errors = {}
        user = api_user()
        for name in self.write_columns:
            column = self.model.__table__.columns.get(name)
            if column is None or not column.foreign_keys or name not in data:
                continue
            value = getattr(item, name)
            if value is None:
                continue
            if not _valid_pk(value):
                errors[name] = [str(_l("Not found."))]
                continue
            target = _target_model(column)
            clause = visibility_clause(target, user) if target in ENTITY_OF else true()
            found = db.session.scalar(select(target.id).where(target.id == value, clause))
            if found is None:
                errors[name] = [str(_l("Not found."))]
        return errors

    def _match_values(self, item) -> dict | None:
        """The stored values the duplicate check compares (mobile, e-mail, company …), before an edit."""
        if self.duplicate_entity is None:
            return None
        from app.services.duplicates import INPUT_FIELDS

        return {name: getattr(item, name, None) for name in INPUT_FIELDS[self.duplicate_entity]}

    def _duplicates(self, item, before: dict | None = None) -> list:
        """Likely duplicates (app.services.duplicates) of the record about to be saved, as the
        screens find them: on create, and on an edit that brings a new mobile, e-mail or company
        (`before` holds the stored values); the record itself and types the caller may not read
        are left out; `?force=true` skips the check."""
        if self.duplicate_entity is None or request.args.get("force", "").lower() in ("1", "true", "yes"):
            return []
        from app.services.duplicates import find_duplicates, keys_of

        entity = self.duplicate_entity
        data = {c.key: getattr(item, c.key) for c in self.model.__mapper__.column_attrs}
        if before is not None:
            stored, entered = keys_of(entity, before), keys_of(entity, data)
            if not any(entered[kind] - stored[kind] for kind in entered):
                return []  # an edit that leaves the mobile, e-mail and company alone
        sm = self.appbuilder.sm
        kinds = tuple(kind for kind, api in DUPLICATE_APIS.items() if sm.has_access("can_get", api))
        found = find_duplicates(entity, data, api_user(), exclude_id=item.id if before is not None else None,
                                kinds=kinds)
        return [{"entity": c.entity, "id": c.id, "label": str(c.label),
                 "matched": list(getattr(c, "matched", []))} for c in found]

    def _log_denied(self, pk, door: str) -> None:
        if self.model in ENTITY_OF and _valid_pk(pk) and record_exists(self.model, pk):
            log_denied(api_user(), self.model.__tablename__, pk, f"api:{door}")



def _valid_pk(value) -> bool:
    """An id that can exist: a positive integer an INTEGER column holds (PostgreSQL's is 32-bit)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, bool) and 0 < number < 2**31


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(code: str) -> dict:
    return {"$ref": f"#/components/responses/{code}"}


#: operations that change data (FAB's and the CRM's own): they may also answer 403, 404 and 409
WRITES = ("put", "post", "upsert", "delete", "claim", "release", "convert", "convert_many", "merge")
PK_PARAMETER = {"in": "path", "name": "pk", "required": True, "schema": {"type": "integer", "minimum": 1}}


def document(api, name: str, operations: dict, path: str = "") -> None:
    """What the CRM's endpoints answer, in one place: FAB's generic descriptions are replaced, and
    the custom operations (operations.py, upsert) write only their summary and request body."""
    record = {"type": "object", "properties": {
        "id": {"type": "integer"}, "message": {"type": "string"},
        "result": {"$ref": f"#/components/schemas/{type(api).__name__}.get"}}}
    listing = {"type": "object", "properties": {
        "count": {"type": "integer"}, "ids": {"type": "array", "items": {"type": "integer"}},
        "result": {"type": "array", "items": {"$ref": f"#/components/schemas/{type(api).__name__}.get_list"}}}}
    outcome = {"type": "object", "properties": {"message": {"type": "string"}, "result": {"type": "object"}}}
    for spec in operations.values():
        parameters = spec.setdefault("parameters", [])
        if "{pk}" in path and not any(p.get("name") == "pk" for p in parameters):
            parameters.append(dict(PK_PARAMETER))
        for parameter in parameters:
            if parameter.get("in") == "path" and parameter.get("name") == "pk":
                parameter["schema"] = dict(PK_PARAMETER["schema"])
        if not parameters:
            spec.pop("parameters")
        responses = spec.setdefault("responses", {})

        def put(code, value, responses=responses):
            responses.pop(int(code), None)
            responses[code] = value

        if name in ("get", "put", "get_by_external_id", "upsert", "claim", "release"):
            put("200", _json(record, "The record"))
        if name in ("post", "upsert"):
            put("201", _json(record, "Created"))
        if name == "convert":
            put("200", _json(outcome, "What the conversion created or reused"))
        if name == "convert_many":
            put("200", _json({"type": "object", "properties": {
                "message": {"type": "string"}, "converted": {"type": "integer"}, "refused": {"type": "integer"},
                "result": {"type": "array", "items": {"type": "object"}}}}, "Per lead: what it became, or why not"))
        if name == "merge":
            put("200", _json(outcome, "Merged: the survivor and what moved to it"))
        if name == "get_list":
            put("200", _json(listing, "A page of records, oldest change first"))
            parameters.append({
                "in": "query", "name": "updated_since", "required": False,
                "description": "Only records changed at or after this time (ISO 8601; UTC if no zone)",
                "schema": {"type": "string", "format": "date-time"}})
        if name == "info":
            put("200", _json({"type": "object"}, "Fields, filters, pickers and permissions"))
        if name in WRITES:
            for code in ("403", "404", "409"):
                put(code, _ref(code))
        if name == "get_by_external_id":
            put("404", _ref("404"))
        if name == "put":
            put("428", _ref("428"))
        for code in ("401", "422", "400"):
            put(code, _ref(code))


def _if_match() -> str | None:
    raw = request.headers.get("If-Match")
    if not raw:
        return None
    return raw.strip().removeprefix("W/").strip('"') or None
