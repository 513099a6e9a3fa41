"""The first-run page 首次设置 for the admin: a thin door onto app/services/first_run.py.

Besides its screens this view installs three small app-wide hooks (from its blueprint, so the app
factory stays untouched): a new session starts in the company's default language, the navbar shows
the company name, and an admin who logs in while the page is pending lands on it.
"""

from __future__ import annotations

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.models import Currency
from app.services import first_run
from app.services.errors import CrmError

PERMISSION = "setup"


class FirstRunView(BaseView):
    route_base = "/first-run"
    default_view = "index"
    class_permission_name = "FirstRunView"
    method_permission_name = {name: PERMISSION for name in (
        "index", "company", "departments", "users", "demo", "finish")}

    def _page(self, **kwargs):
        row = first_run.settings()
        return self.render_template(
            "crm/first_run/index.html", title=_l("First-run setup"), settings=row,
            progress=first_run.progress(), departments=first_run.departments(),
            roles=first_run.role_choices(), currencies=Currency.choices(),
            languages=current_app.config.get("LANGUAGES", {}),
            language=(row.default_language if row else current_app.config.get("BABEL_DEFAULT_LOCALE")),
            currency=first_run.default_currency(), invite_rows=range(5), **kwargs)

    @expose("/")
    @has_access
    def index(self):
        return self._page()

    @expose("/company", methods=["POST"])
    @has_access
    def company(self):
        form = request.form
        try:
            first_run.save_company(form.get("company_name", ""), form.get("default_language", ""),
                                   form.get("default_currency", ""))
        except CrmError as exc:
            flash(str(exc.message), "danger")
            return self._page(form_values=form), 422
        session["locale"] = form.get("default_language")
        flash(str(_l("Company settings saved.")), "success")
        return redirect(url_for(".index") + "#departments")

    @expose("/departments", methods=["POST"])
    @has_access
    def departments(self):
        try:
            created = first_run.create_departments(request.form.get("departments", ""))
        except CrmError as exc:
            flash(str(exc.message), "danger")
            return self._page(form_values=request.form), 422
        flash(str(_l("%(n)s departments created.", n=len(created))), "success")
        return redirect(url_for(".index") + "#users")

    @expose("/users", methods=["POST"])
    @has_access
    def users(self):
        form = request.form
        invites = [first_run.Invite(username=u, name=n, email=e, role=r,
                                    department_id=int(d) if d.isdigit() else None)
                   for u, n, e, r, d in zip(form.getlist("username"), form.getlist("name"),
                                            form.getlist("email"), form.getlist("role"),
                                            form.getlist("department_id"), strict=False)]
        try:
            invited = first_run.invite_users(invites)
        except CrmError as exc:
            flash(str(exc.message), "danger")
            return self._page(form_values=form, invite_values=invites), 422
        # the first passwords are in this response only: no-store keeps them out of caches
        response = current_app.make_response(self._page(invited=invited))
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/demo", methods=["POST"])
    @has_access
    def demo(self):
        try:
            counts, password = first_run.load_demo()
        except CrmError as exc:
            flash(str(exc.message), "danger")
            return self._page(), 422
        response = current_app.make_response(self._page(demo_counts=counts, demo_password=password))
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/finish", methods=["POST"])
    @has_access
    def finish(self):
        first_run.finish()
        if request.form.get("skip"):
            flash(str(_l("First-run setup skipped. You can come back to it under Settings.")), "info")
        else:
            flash(str(_l("Setup finished. Welcome!")), "success")
        return redirect(url_for("HomeView.index"))

    # -- app-wide hooks -------------------------------------------------------------------
    def create_blueprint(self, appbuilder, endpoint=None, static_folder=None):
        blueprint = super().create_blueprint(appbuilder, endpoint=endpoint, static_folder=static_folder)
        blueprint.before_app_request(_start_in_default_language)
        blueprint.after_app_request(_send_admin_to_first_run)
        blueprint.app_context_processor(_company_name)
        return blueprint


def _is_page_request() -> bool:
    return not request.path.startswith(("/static/", "/api/"))


def _start_in_default_language() -> None:
    if "locale" in session or not _is_page_request():
        return
    language = first_run.default_language()
    if language in current_app.config.get("LANGUAGES", {}):
        session["locale"] = language


def _send_admin_to_first_run(response):
    """After a successful login form post, an admin goes to the first-run page while it is pending."""
    if (request.method == "POST" and (request.endpoint or "").endswith(".login")
            and response.status_code == 302 and current_user.is_authenticated
            and current_app.appbuilder.sm.has_access(f"can_{PERMISSION}", "FirstRunView")
            and first_run.is_pending()):
        response.headers["Location"] = url_for("FirstRunView.index")
    return response


def _company_name() -> dict:
    if not _is_page_request():
        return {}
    if "crm_company_name" not in g:
        g.crm_company_name = first_run.company_name()
    return {"crm_company_name": g.crm_company_name}
