"""Security manager: FAB's, with the CRM's user and role screens, lockout and login limits."""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app, g, has_request_context
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import assoc_permissionview_role
from werkzeug.security import check_password_hash

from app.models import CrmUser, utcnow
from app.views.users import CrmRoleView, CrmUserView

log = logging.getLogger(__name__)

class CrmSecurityManager(SecurityManager):
    user_model = CrmUser
    userdbmodelview = CrmUserView
    rolemodelview = CrmRoleView

    def register_views(self) -> None:
        super().register_views()
        # FAB limits the HTML login only; the JSON login must not allow unlimited guesses either
        if self.is_auth_limited:
            for view in self.appbuilder.baseviews:
                if isinstance(view, SecurityApi):
                    self.limiter.limit(self.auth_rate_limit, methods=["POST"])(view.blueprint)

    def exist_permission_on_roles(self, view_name: str, permission_name: str, role_ids: list[int]) -> bool:
        """FAB asks the database once per menu entry and button (over a hundred queries a page);
        within a request, one query reads every permission of the user's roles and the rest are
        set lookups. Outside requests (CLI, scheduler) FAB's own query answers, never a stale copy."""
        if not has_request_context():
            return super().exist_permission_on_roles(view_name, permission_name, role_ids)
        cache = g.setdefault("crm_granted_permissions", {})
        key = tuple(sorted(role_ids))
        if key not in cache:
            rows = (
                self.session.query(self.viewmenu_model.name, self.permission_model.name)
                .select_from(self.permissionview_model)
                .join(assoc_permissionview_role,
                      self.permissionview_model.id == assoc_permissionview_role.c.permission_view_id)
                .join(self.role_model, self.role_model.id == assoc_permissionview_role.c.role_id)
                .join(self.permission_model, self.permission_model.id == self.permissionview_model.permission_id)
                .join(self.viewmenu_model, self.viewmenu_model.id == self.permissionview_model.view_menu_id)
                .filter(self.role_model.id.in_(key))
            )
            cache[key] = {(view, permission) for view, permission in rows}
        return (view_name, permission_name) in cache[key]

    # -- the REST API's sign-in (app/api/auth.py): API keys, and JWTs of active users only
    def extract_api_key_from_request(self):
        from flask import request

        from app.services.api_keys import key_from_headers

        return key_from_headers(request.headers)

    def validate_api_key(self, api_key_string):
        from app.api.auth import authenticate_request
        from app.services.api_keys import verify

        user = verify(api_key_string)
        if user is not None:
            authenticate_request(user)
        return user

    def load_user_jwt(self, _jwt_header, jwt_data):
        from app.api.auth import authenticate_request

        user = super().load_user_jwt(_jwt_header, jwt_data)
        if user is not None:
            authenticate_request(user)
        return user

    def auth_user_db(self, username, password):
        """Refuse locked accounts exactly like a wrong password, so lockout reveals nothing."""
        user = self.find_user(username=username) if username else None
        if user is not None and user.locked_until is not None and user.locked_until > utcnow():
            check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], "password")
            log.info("login refused for a locked account")
            return None
        return super().auth_user_db(username, password)

    def update_user_auth_stat(self, user, success=True):
        super().update_user_auth_stat(user, success)
        config = current_app.config
        if success and user.locked_until is not None:
            user.locked_until = None
            self.update_user(user)
        elif not success and user.fail_login_count >= config["CRM_LOCKOUT_ATTEMPTS"]:
            user.locked_until = utcnow() + dt.timedelta(minutes=config["CRM_LOCKOUT_MINUTES"])
            user.fail_login_count = 0
            self.update_user(user)
