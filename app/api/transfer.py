"""Import and export over the REST API.

    POST /api/v1/<entity>/import   multipart `file`, `on_duplicate=skip|update|create`, `dry_run=true|false`
                                   → {rows, created, updated, skipped, duplicates, failed, errors: [{row, column,
                                   message}], batch_id}; `row` is the 1-based line in the file counting the header
    GET  /api/v1/<entity>/export?format=csv|xlsx&q=(filters:!(…),order_column:…,order_direction:…)[&view=<id>]
                                   → the file; same filter syntax as GET /api/v1/<entity>/; `view` applies a
                                   saved view 场景 the caller may open (404 otherwise), `q` then narrows it

Permissions: `can_import` / `can_export` on TransferApi, and adding (import) or reading (export) that
entity through its own API. Scope and ownership rules are the services' (app/services/importing, export).
"""

from __future__ import annotations

import os

import prison
from flask import Response, current_app, request, stream_with_context
from flask_appbuilder.api import expose, protect, safe
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.services import export as export_service
from app.services.errors import CrmError
from app.services.importing import import_file

from .base import CrmApi

IMPORT_ENTITIES = ("lead", "account", "contact", "opportunity")
EXPORT_ENTITIES = ("lead", "account", "contact", "opportunity", "activity", "note")
TRUE = ("1", "true", "yes", "on")


def _record_api(entity: str):
    from app.api.model import CrmModelApi

    for view in current_app.appbuilder.baseviews:
        if isinstance(view, CrmModelApi) and view.resource_name == entity:
            return view
    return None


class TransferApi(CrmApi):
    """One class per entity (below) so the URLs sit under the entity's own /api/v1/<entity>/."""

    class_permission_name = "TransferApi"
    method_permission_name = {"import_file": "import", "export": "export"}
    # declared, not inferred: every entity's class shares the "TransferApi" permissions, and one
    # without an import route (activities, notes) would otherwise ask FAB to drop can_import at init
    base_permissions = ["can_import", "can_export"]
    allow_browser_login = False
    entity = ""

    def _entity_allowed(self, permission: str) -> bool:
        api = _record_api(self.entity)
        return api is not None and current_app.appbuilder.sm.has_access(permission, api.class_permission_name)

    @expose("/import", methods=["POST"])
    @protect()
    @safe
    def import_file(self):
        """Import a CSV or XLSX file of records.
        ---
        post:
          summary: Import records from a CSV or XLSX file (headers in Chinese or English)
          requestBody:
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file: {type: string, format: binary}
                    on_duplicate: {type: string, enum: [skip, update, create]}
                    dry_run: {type: boolean}
          responses:
            200:
              description: The import report (`row` counts the header as line 1)
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      rows: {type: integer}
                      created: {type: integer}
                      updated: {type: integer}
                      skipped: {type: integer}
                      duplicates: {type: integer}
                      failed: {type: integer}
                      errors:
                        type: array
                        items:
                          type: object
                          properties: {row: {type: integer}, column: {type: string, nullable: true},
                                       message: {type: string}}
                      errors_truncated: {type: boolean}
                      dry_run: {type: boolean}
                      batch_id: {type: integer, nullable: true}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            422: {$ref: '#/components/responses/422'}
        """
        if self.entity not in IMPORT_ENTITIES or not self._entity_allowed("can_post"):
            return self.response_403()
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self.response_400(_l("Send the file as multipart form field 'file'."))
        policy = request.form.get("on_duplicate", request.args.get("on_duplicate", "skip"))
        dry_run = request.form.get("dry_run", request.args.get("dry_run", "false")).lower() in TRUE
        user = self.request_user()
        try:
            report, batch = import_file(self.entity, upload.stream, upload.filename, user,
                                        on_duplicate=policy, dry_run=dry_run)
        except CrmError as error:
            return self.crm_error(error)
        body = report.as_dict()
        body["errors"] = [{"row": e["row"], "column": e["column"], "message": e["message"]} for e in body["errors"]]
        body["dry_run"] = dry_run
        body["batch_id"] = batch.id if batch is not None else None
        return self.response(200, **body)

    @expose("/export", methods=["GET"])
    @protect()
    @safe
    def export(self):
        """Export every record matching a filter, within the caller's data scope.
        ---
        get:
          summary: Export records as CSV or XLSX (same `q` filter syntax as the list endpoint)
          parameters:
          - {in: query, name: format, schema: {type: string, enum: [csv, xlsx]}}
          - {in: query, name: q, schema: {type: string}, description: "rison: filters, order_column, order_direction"}
          - {in: query, name: view, schema: {type: integer}, description: "a saved view (场景) the caller may open"}
          responses:
            200:
              description: The file, every matching record in the caller's scope
              content:
                text/csv: {schema: {type: string}}
                application/vnd.openxmlformats-officedocument.spreadsheetml.sheet:
                  schema: {type: string, format: binary}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        if self.entity not in EXPORT_ENTITIES or not self._entity_allowed("can_get"):
            return self.response_403()
        fmt = request.args.get("format", "csv").lower()
        if fmt not in export_service.FORMATS:
            return self.response_400(_l("Choose CSV or XLSX."))
        try:
            args = prison.loads(request.args["q"]) if request.args.get("q") else {}
        except Exception:
            return self.response_400(_l("The filter (q) is not valid rison."))
        if not isinstance(args, dict):
            return self.response_400(_l("The filter (q) is not valid rison."))
        try:
            clauses, order = _filters(self.entity, args)
        except Exception:
            return self.response_400(_l("The filter (q) is not valid."))
        locale = get_locale()
        language = locale.language if locale else "zh"
        logged = {"q": request.args.get("q", "")}
        view_id = request.args.get("view")
        if not view_id:
            req = export_service.ExportRequest(
                entity=self.entity, user=self.request_user(), format=fmt, clauses=clauses, order_by=order,
                filters=logged, door="api", language=language)
            return export_response(req)
        try:  # a saved view 场景: its filters, search and sort, narrowed by `q` when given
            req = export_service.request_for_list(self.entity, self.request_user(), {}, view_id=view_id, fmt=fmt,
                                                  door="api", language=language, logged=logged,
                                                  extra_clauses=clauses, order_by=order)
        except CrmError as error:
            return self.crm_error(error)
        return export_response(req)


def _filters(entity: str, args: dict):
    api = _record_api(entity)
    model = api.datamodel.obj
    filters = api._handle_filters_args(args)
    query = filters.apply_all(select(model))
    clauses = (query.whereclause,) if query.whereclause is not None else ()
    order = ()
    column = args.get("order_column")
    if column:
        if column not in api.order_columns:
            raise ValueError(column)
        attr = getattr(model, column)
        order = (attr.desc() if args.get("order_direction") == "desc" else attr.asc(), model.id.desc())
    return clauses, order


def export_response(req: export_service.ExportRequest):
    """The HTTP answer for an export: streamed CSV, or an XLSX written to a temporary file."""
    name = f"{req.entity}-export.{req.format}"
    if req.format == "csv":
        return Response(stream_with_context(export_service.stream_csv(req)), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "no-store"})
    path, _rows = export_service.write_xlsx(req)
    return Response(_file_chunks(path), headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                 "Content-Length": str(os.path.getsize(path)),
                                                 "Cache-Control": "no-store"},
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _file_chunks(path: str):
    """The temporary XLSX in 1 MB pieces, deleted once sent (or abandoned)."""
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                yield block
    finally:
        os.unlink(path)


def _api_for(entity: str) -> type:
    body = {"resource_name": entity, "entity": entity}
    if entity not in IMPORT_ENTITIES:
        body["exclude_route_methods"] = {"import_file"}  # activities and notes are not imported
    return type(f"{entity.capitalize()}TransferApi", (TransferApi,), body)


TRANSFER_APIS = tuple(_api_for(e) for e in EXPORT_ENTITIES)
