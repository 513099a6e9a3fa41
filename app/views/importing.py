"""The import wizard 导入: upload → confirm the column mapping → preview → run with progress → report / undo.

A thin door: every rule lives in app/services/importing. The run happens in a background thread of
the server; the progress page polls `status` (JSON read from the database, so any worker answers).
"""

from __future__ import annotations

from flask import Response, abort, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import ImportBatch, ImportStatus
from app.security.current import current_actor
from app.services.errors import CrmError, NotFound
from app.services.importing import ENTITY_FIELDS, ENTITY_LABELS, POLICIES, batches
from app.services.importing.convert import KEEPS_DESCRIPTION
from app.services.importing.fields import IGNORE, KEEP, fields_of
from app.services.importing.recovery import recover_if_stale

ENTITY_VIEWS = {"lead": "LeadView", "account": "AccountView", "contact": "ContactView",
                "opportunity": "OpportunityView"}
POLICY_LABELS = {"skip": _l("Skip duplicates"), "update": _l("Update the existing record"),
                 "create": _l("Create anyway")}


class ImportView(BaseView):
    route_base = "/import"
    default_view = "index"
    class_permission_name = "ImportView"
    method_permission_name = {name: "import" for name in (
        "index", "upload", "mapping", "preview", "run", "progress", "status", "failed", "undo")}

    # -- helpers --------------------------------------------------------------------------
    def _may_import(self, entity: str) -> bool:
        view = ENTITY_VIEWS.get(entity)
        return view is not None and self.appbuilder.sm.has_access("can_add", view)

    def _entities(self) -> list[tuple[str, object]]:
        return [(e, ENTITY_LABELS[e]) for e in ENTITY_FIELDS if self._may_import(e)]

    def _batch(self, batch_id: int) -> ImportBatch:
        try:
            batch = batches.get(batch_id, current_actor())
        except NotFound:
            abort(404)
        if not self._may_import(batch.entity):
            abort(403)
        return batch

    def _page(self, template: str, **kwargs):
        return self.render_template(template, entity_labels=ENTITY_LABELS, policy_labels=POLICY_LABELS,
                                    **kwargs)

    # -- 1. upload ------------------------------------------------------------------------
    @expose("/")
    @has_access
    def index(self):
        entity = request.args.get("entity", "lead")
        user = current_actor()
        recent = db.session.scalars(select(ImportBatch).where(ImportBatch.created_by_id == user.id)
                                    .order_by(ImportBatch.id.desc()).limit(10)).all()
        for batch in recent:  # one whose process died shows as interrupted (no query for the others)
            recover_if_stale(batch)
        return self._page("crm/import/upload.html", entities=self._entities(), entity=entity,
                          policies=POLICIES, recent=recent, title=_l("Import"))

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self):
        entity = request.form.get("entity", "")
        if not self._may_import(entity):
            abort(403)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(str(_l("Choose a file to import.")), "warning")
            return redirect(url_for("ImportView.index", entity=entity))
        try:
            batch, _table = batches.start(entity, upload.filename, upload.stream, current_actor(),
                                          request.form.get("on_duplicate", "skip"),
                                          sheet=request.form.get("sheet") or None)
        except CrmError as error:
            flash(str(error.message), "danger")
            return redirect(url_for("ImportView.index", entity=entity))
        return redirect(url_for("ImportView.mapping", batch_id=batch.id))

    # -- 2. mapping -----------------------------------------------------------------------
    @expose("/<int:batch_id>/mapping", methods=["GET", "POST"])
    @has_access
    def mapping(self, batch_id: int):
        batch = self._batch(batch_id)
        if batch.status != ImportStatus.UPLOADED:
            return redirect(url_for("ImportView.progress", batch_id=batch.id))
        try:
            table = batches.table_of(batch)
        except CrmError as error:
            flash(str(error.message), "danger")
            return redirect(url_for("ImportView.index", entity=batch.entity))
        if request.method == "POST":
            chosen = {h: request.form.get(f"map_{i}", IGNORE) for i, h in enumerate(table.headers)}
            try:
                batches.set_mapping(batch, chosen, request.form.get("on_duplicate"))
            except CrmError as error:
                flash(str(error.message), "danger")
            else:
                return redirect(url_for("ImportView.preview", batch_id=batch.id))
        samples = next(table.chunks(3, limit=3), None)
        columns = []
        for i, header in enumerate(table.headers):
            values = [] if samples is None else [v for v in samples[i].tolist() if v][:3]
            columns.append({"index": i, "header": header, "samples": values,
                            "target": batch.mapping.get(header, IGNORE)})
        fields = [(f.name, f.label) for f in fields_of(batch.entity).values()]  # with custom fields
        return self._page("crm/import/mapping.html", batch=batch, table=table, columns=columns, fields=fields,
                          ignore=IGNORE, keep=KEEP, can_keep=batch.entity in KEEPS_DESCRIPTION,
                          policies=POLICIES, title=_l("Confirm the columns"))

    # -- 3. preview -----------------------------------------------------------------------
    @expose("/<int:batch_id>/preview")
    @has_access
    def preview(self, batch_id: int):
        batch = self._batch(batch_id)
        if batch.status != ImportStatus.UPLOADED:
            return redirect(url_for("ImportView.progress", batch_id=batch.id))
        try:
            table = batches.table_of(batch)
            rows = batches.preview(batch, current_actor())
        except CrmError as error:
            flash(str(error.message), "danger")
            return redirect(url_for("ImportView.mapping", batch_id=batch.id))
        return self._page("crm/import/preview.html", batch=batch, headers=table.headers, rows=rows,
                          title=_l("Preview"))

    # -- 4. run and progress --------------------------------------------------------------
    @expose("/<int:batch_id>/run", methods=["POST"])
    @has_access
    def run(self, batch_id: int):
        batch = self._batch(batch_id)
        if batch.status == ImportStatus.UPLOADED:
            batches.run_in_background(batch, current_actor().id)
        return redirect(url_for("ImportView.progress", batch_id=batch.id))

    @expose("/<int:batch_id>/")
    @has_access
    def progress(self, batch_id: int):
        batch = self._batch(batch_id)
        recover_if_stale(batch)
        return self._page("crm/import/progress.html", batch=batch, state=batches.status(batch),
                          can_undo=batches.can_undo(batch), title=_l("Import"))

    @expose("/<int:batch_id>/status")
    @has_access
    def status(self, batch_id: int):
        batch = self._batch(batch_id)
        recover_if_stale(batch)
        response = jsonify(batches.status(batch))
        response.headers["Cache-Control"] = "no-store"
        return response

    # -- 5. after -------------------------------------------------------------------------
    @expose("/<int:batch_id>/failed.csv")
    @has_access
    def failed(self, batch_id: int):
        batch = self._batch(batch_id)
        body = batches.failed_rows_csv(batch)
        name = f"import-{batch.id}-failed-rows.csv"
        return Response(body, mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "no-store"})

    @expose("/<int:batch_id>/undo", methods=["POST"])
    @has_access
    def undo(self, batch_id: int):
        batch = self._batch(batch_id)
        try:
            result = batches.undo(batch, current_actor())
        except CrmError as error:
            flash(str(error.message), "danger")
        else:
            message = _l("Import undone: %(removed)s records removed, %(restored)s restored.",
                         removed=result["removed"], restored=result["restored"])
            if result["kept"]:
                message = _l("%(message)s %(kept)s records changed since the import were left as they are.",
                             message=message, kept=result["kept"])
            flash(str(message), "success")
        return redirect(url_for("ImportView.progress", batch_id=batch.id))
