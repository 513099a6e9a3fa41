"""Security manager: FAB's, with the CRM's user and role screens, lockout and login limits."""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager
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
