"""Home 主页. The widget grid arrives with the home-page issue; this is the user's day at a glance."""

from __future__ import annotations

from flask import g
from flask_appbuilder import IndexView, expose

from app.services.home import my_day


class HomeView(IndexView):
    route_base = ""
    default_view = "index"
    index_template = "crm/home.html"

    @expose("/")
    def index(self):
        user = g.user if g.user is not None and g.user.is_authenticated else None
        day = my_day(user) if user is not None else None
        return self.render_template(self.index_template, appbuilder=self.appbuilder, day=day)
