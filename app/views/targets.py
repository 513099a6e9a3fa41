"""Sales targets 业绩目标 screen: progress of the targets one may see; set, import and remove."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import CrmUser, Department
from app.security.current import current_actor
from app.services import targets
from app.services.errors import CrmError
from app.services.periods import Period

MAX_CSV_BYTES = 1024 * 1024


def _period(kind_default: str = "month") -> Period:
    try:
        period = Period.parse(request.values.get("period", ""))
        if period.kind in targets.TARGET_KINDS:
            return period
    except ValueError:
        pass
    return Period.containing(kind_default)


class TargetView(BaseView):
    route_base = "/targets"
    default_view = "index"
    method_permission_name = {"index": "list", "save": "edit", "upload": "edit", "remove": "edit"}

    @expose("/")
    @has_access
    def index(self):
        user = current_actor()
        period = _period(request.args.get("kind", "month"))
        can_edit = self.appbuilder.sm.has_access("can_edit", self.class_permission_name)
        users, departments = targets.choices(user) if can_edit else ([], [])
        rows = [(p, can_edit and targets.editable(user, p.target.subject))
                for p in targets.targets_for(user, period)]
        return self.render_template(
            "crm/targets/index.html", period=period, rows=rows, can_edit=can_edit,
            users=[u for u in users if targets.editable(user, u)],
            departments=[d for d in departments if targets.editable(user, d)],
            currencies=targets.CURRENCIES, columns=", ".join(targets.CSV_HEADER),
            month=Period.containing("month"), quarter=Period.containing("quarter"))

    @expose("/save", methods=["POST"])
    @has_access
    def save(self):
        subject = self._subject(request.form.get("subject", ""))
        if subject is None:
            flash(str(_l("Choose a user or a department.")), "danger")
        else:
            try:
                target = targets.set_target(current_actor(), subject, request.form.get("period"),
                                            request.form.get("won_amount", ""),
                                            request.form.get("new_accounts", ""),
                                            request.form.get("currency", "CNY"))
            except CrmError as error:
                flash(str(error.message), "danger")
            else:
                flash(str(_l("Target saved.")), "success")
                return redirect(url_for(".index", period=target.period))
        return redirect(url_for(".index", period=request.form.get("period", "")))

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self):
        file = request.files.get("file")
        data = file.read(MAX_CSV_BYTES + 1) if file else b""
        if not data:
            flash(str(_l("Choose a CSV file.")), "danger")
        elif len(data) > MAX_CSV_BYTES:
            flash(str(_l("The file is larger than 1 MB.")), "danger")
        else:
            try:
                count = targets.import_csv(current_actor(), data)
            except UnicodeDecodeError:
                flash(str(_l("Save the file as CSV in UTF-8.")), "danger")
            except CrmError as error:
                flash(str(error.message), "danger")
            else:
                flash(str(_l("%(count)s targets imported.", count=count)), "success")
        return redirect(url_for(".index", period=request.form.get("period", "")))

    @expose("/remove/<int:pk>", methods=["POST"])
    @has_access
    def remove(self, pk):
        try:
            targets.delete_target(current_actor(), pk)
        except CrmError as error:
            flash(str(error.message), "danger")
        else:
            flash(str(_l("Target removed.")), "success")
        return redirect(url_for(".index", period=request.form.get("period", "")))

    @staticmethod
    def _subject(value: str):
        kind, _, pk = value.partition(":")
        if not pk.isdigit():
            return None
        model = {"user": CrmUser, "department": Department}.get(kind)
        return db.session.get(model, int(pk)) if model else None
