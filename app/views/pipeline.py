"""The pipeline board 销售漏斗看板: a thin door onto app.services.pipeline.

GET /pipeline/ draws the columns with their totals and the first cards of each; GET /pipeline/cards
answers "load more" with JSON; POST /pipeline/move/<pk> moves a card (drag, or the card's stage
menu on a phone) and answers the new totals, or a translated reason why not.
"""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, has_access_api
from flask_babel import format_currency
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import CrmUser, Department, Opportunity
from app.security.audit import log_denied, record_exists
from app.security.current import current_actor
from app.security.scope import owner_ids, scope_for
from app.services import pipeline
from app.services.concurrency import StaleVersion
from app.services.errors import CrmError, NotFound


def money(amount, currency: str) -> str:
    return format_currency(amount, currency, format="¤#,##0", currency_digits=False)


def column_json(col: pipeline.Column) -> dict:
    return {
        "stage": col.stage.id,
        "count": col.count,
        "amounts": [money(amount, currency) for currency, amount in col.amounts],
    }


class PipelineView(BaseView):
    route_base = "/pipeline"
    default_view = "index"
    method_permission_name = {"index": "list", "cards": "list", "move": "move"}

    @expose("/")
    @has_access
    def index(self):
        user = current_actor()
        filters = pipeline.Filters.parse(request.args)
        columns = pipeline.columns(user, filters)
        first = {
            col.stage.id: pipeline.cards(user, col.stage.id, filters) if col.count else [] for col in columns
        }
        return self.render_template(
            "crm/pipeline/board.html",
            title=_l("Pipeline board"),
            columns=columns,
            first=first,
            page_size=pipeline.PAGE,
            filters=filters,
            filter_args=filters.as_args(),
            choices=self._choices(user),
            lost_reasons=pipeline.lost_reasons(),
            can_move=self._can_move(),
            money=money,
            closed_days=pipeline.CLOSED_DAYS,
        )

    @expose("/cards")
    @has_access_api
    def cards(self):
        user = current_actor()
        filters = pipeline.Filters.parse(request.args)
        stage_id = request.args.get("stage", type=int) or 0
        offset = max(0, request.args.get("offset", 0, type=int))
        try:
            page = pipeline.cards(user, stage_id, filters, offset=offset, limit=pipeline.PAGE + 1)
        except CrmError as error:
            return jsonify({"ok": False, "message": str(error.message)}), error.status_code
        more = len(page) > pipeline.PAGE
        html = render_template(
            "crm/pipeline/cards.html",
            cards=page[: pipeline.PAGE],
            can_move=self._can_move(),
            stages=pipeline.stages(),
            money=money,
        )
        return jsonify({"ok": True, "html": html, "count": len(page[: pipeline.PAGE]), "more": more})

    @expose("/move/<int:pk>", methods=["POST"])
    @has_access_api
    def move(self, pk: int):
        user = current_actor()
        if not self._can_move():
            return jsonify({"ok": False, "message": str(_l("You do not have permission to do this."))}), 403
        form = request.form
        try:
            opportunity = pipeline.move(
                user,
                pk,
                form.get("stage", type=int) or 0,
                form.get("version"),
                amount=form.get("amount"),
                lost_reason_id=form.get("lost_reason"),
            )
        except StaleVersion as stale:
            db.session.rollback()
            message = _l(
                "Someone else changed this opportunity after you opened the board. "
                "Reload the board to see the latest version, then move it again."
            )
            return jsonify({"ok": False, "message": str(message), "version": stale.current_version}), 409
        except NotFound as error:
            db.session.rollback()
            if record_exists(Opportunity, pk):
                log_denied(user, "opportunity", pk, "ui:pipeline")
            return jsonify({"ok": False, "message": str(error.message)}), 404
        except CrmError as error:
            db.session.rollback()
            return jsonify({"ok": False, "message": str(error.message)}), error.status_code
        filters = pipeline.Filters.parse(form)
        return jsonify(
            {
                "ok": True,
                "id": opportunity.id,
                "stage": opportunity.stage_id,
                "version": opportunity.version,
                "amount": money(opportunity.amount, opportunity.currency),
                "columns": [column_json(col) for col in pipeline.columns(user, filters)],
                "message": str(_l("Moved to %(stage)s.", stage=opportunity.stage.label)),
            }
        )

    def _can_move(self) -> bool:
        sm = self.appbuilder.sm
        return sm.has_access("can_move", "PipelineView") and sm.has_access("can_edit", "OpportunityView")

    @staticmethod
    def _choices(user) -> dict:
        """Owners the user's scope reaches, and departments, for the filter bar."""
        ids = owner_ids(user, scope_for(user, "opportunity"))
        users = select(CrmUser).where(CrmUser.active.is_(True)).order_by(CrmUser.first_name, CrmUser.username)
        if ids is not None:
            users = users.where(CrmUser.id.in_(ids))
        return {
            "owners": [(u.id, u.display_name) for u in db.session.scalars(users)],
            "departments": [
                (d.id, d.name) for d in db.session.scalars(select(Department).order_by(Department.path))
            ],
        }
