"""The door behind every relationship picker (see app.services.search)."""

from __future__ import annotations

from flask import abort, current_app, jsonify, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.security.current import current_actor
from app.services.search import PICKABLE, find_candidates


class PickerView(BaseView):
    route_base = "/picker"
    default_view = "search"

    @expose("/<entity>")
    @has_access
    def search(self, entity: str):
        if entity not in PICKABLE:
            abort(404)
        limit = current_app.config["CRM_PICKER_LIMIT"]
        return jsonify(
            {"results": find_candidates(entity, request.args.get("q", ""), current_actor(), limit)}
        )
