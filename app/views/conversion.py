"""Lead conversion 线索转化 doors: the conversion form for one lead, and for several selected leads.

The form offers an existing duplicate account first, then any other account (searched), then a
new one made from the lead; a contact made from the lead, an existing one, or none; and an
optional opportunity. After success the user lands on the new opportunity, or the account.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.actions import action
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Currency, Lead, Stage
from app.security.current import current_actor
from app.security.scope import visibility_clause
from app.services import conversion
from app.services.errors import CrmError

NEW, NONE, PICK = "new", "none", "pick"


class ConvertActionMixin:
    """LeadView's "convert" list action: one or more selected leads open the conversion form."""

    @action("convert", _l("Convert"), None, "fa-exchange-alt", multiple=True, single=False)
    def convert(self, ids):
        if len(ids) == 1:
            return redirect(url_for("ConversionView.lead", pk=ids[0]))
        return redirect(url_for("ConversionView.leads", ids=",".join(map(str, ids[: conversion.BULK_LIMIT]))))


def open_stages() -> list[Stage]:
    return list(db.session.scalars(select(Stage).where(Stage.active, ~Stage.is_lost)
                                   .order_by(Stage.sort_order, Stage.id)))


def _opportunity_values(form) -> dict:
    return {"name": form.get("opp_name", ""), "amount": form.get("opp_amount", ""),
            "currency": form.get("opp_currency") or Currency.CNY, "stage_id": form.get("opp_stage", ""),
            "expected_close_date": form.get("opp_close", "")}


def _int(raw) -> int | None:
    return int(raw) if str(raw or "").strip().isdigit() else None


class ConversionView(BaseView):
    route_base = "/conversion"
    default_view = "leads"
    method_permission_name = {"lead": "convert", "leads": "convert"}

    @expose("/lead/<int:pk>", methods=["GET", "POST"])
    @has_access
    def lead(self, pk: int):
        user = current_actor()
        lead = db.session.scalars(select(Lead).where(Lead.id == pk, visibility_clause(Lead, user))).first()
        if lead is None:
            abort(404)
        form = request.form
        if request.method == "POST" and lead.converted_at is None:
            landed = self._convert_one(lead.id, user, form)
            if landed is not None:
                return landed
        candidates = conversion.existing_accounts(lead, user) if lead.converted_at is None else []
        default_account = str(candidates[0].id) if candidates else NEW
        return self.render_template(
            "crm/conversion/lead.html", lead=lead, candidates=candidates, stages=open_stages(),
            currencies=Currency.choices(), form=form, default_account=default_account,
            title=_l("Convert lead"))

    def _convert_one(self, lead_id: int, user, form):
        account_choice = form.get("account", NEW)
        account_id = _int(form.get("account_pick")) if account_choice == PICK else _int(account_choice)
        if account_choice != NEW and account_id is None:
            flash(str(_l("Choose the account to link.")), "danger")
            return None
        contact_mode = form.get("contact", NEW)
        contact_id = _int(form.get("contact_pick")) if contact_mode == PICK else None
        if contact_mode == PICK and contact_id is None:
            flash(str(_l("Choose the contact to link.")), "danger")
            return None
        create_opportunity = bool(form.get("create_opportunity"))
        try:
            result = conversion.convert_lead(
                lead_id, user, account_id=account_id, contact_id=contact_id,
                create_opportunity=create_opportunity,
                opportunity=_opportunity_values(form) if create_opportunity else None,
                create_contact=contact_mode != NONE)
        except CrmError as error:
            flash(str(error.message), "danger")
            return None
        flash(str(_l("Lead converted.")), "success")
        if result.opportunity_id is not None:
            return redirect(url_for("OpportunityView.show", pk=result.opportunity_id))
        return redirect(url_for("AccountView.show", pk=result.account_id))

    @expose("/leads", methods=["GET", "POST"])
    @has_access
    def leads(self):
        ids = [int(x) for x in request.values.get("ids", "").split(",") if x.strip().isdigit()]
        ids = list(dict.fromkeys(ids))[: conversion.BULK_LIMIT]
        if not ids:
            abort(400)
        outcomes = None
        if request.method == "POST":
            form = request.form
            create_opportunity = bool(form.get("create_opportunity"))
            opportunity = _opportunity_values(form) if create_opportunity else None
            if opportunity is not None:
                opportunity["name"] = ""  # each opportunity is named after its account
            try:
                outcomes = conversion.convert_leads(
                    ids, current_actor(), create_opportunity=create_opportunity, opportunity=opportunity,
                    reuse_account=bool(form.get("reuse_account")))
            except CrmError as error:
                flash(str(error.message), "danger")
            else:
                done = sum(o.ok for o in outcomes)
                flash(str(_l("%(done)s of %(count)s leads converted.", done=done, count=len(outcomes))),
                      "success" if done == len(outcomes) else "warning")
        labels = {lead.id: str(lead) for lead in db.session.scalars(
            select(Lead).where(Lead.id.in_(ids[:500]), visibility_clause(Lead, current_actor())))}
        return self.render_template(
            "crm/conversion/leads.html", ids=ids, labels=labels, outcomes=outcomes, stages=open_stages(),
            currencies=Currency.choices(), title=_l("Convert leads"),
            back=url_for("LeadView.list"))
