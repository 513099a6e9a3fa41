"""Quick add 快速录入 door: the navbar button's form (fetched on first open) and its JSON save."""

from __future__ import annotations

from flask import jsonify, render_template, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from app.models import Channel
from app.security.current import current_actor
from app.services import channels, quick_add
from app.services.errors import CrmError


class QuickAddView(BaseView):
    route_base = "/quick-add"
    default_view = "form"
    # one permission ("add" on quick add) for the form, the save and the source list
    method_permission_name = {"form": "add", "save": "add", "sources": "add"}

    @expose("/form")
    @has_access
    def form(self):
        user = current_actor()
        return render_template("crm/quick_add_form.html", defaults=quick_add.defaults(user),
                               channels=Channel.choices(), sources=channels.sources())

    @expose("/sources")
    @has_access
    def sources(self):
        """Which source belongs to which channel, for forms that filter sources by channel."""
        return jsonify({"sources": channels.source_map()})

    @expose("/lead", methods=["POST"])
    @has_access
    def save(self):
        user = current_actor()
        try:
            lead = quick_add.quick_add(request.form.to_dict(), user, force=request.form.get("force") == "1")
        except quick_add.Invalid as invalid:
            return jsonify({"errors": {k: str(v) for k, v in invalid.errors.items()}}), 422
        except quick_add.PossibleDuplicates as dup:
            return jsonify({
                "message": str(dup.message),
                "duplicates": [{"entity": str(c.entity_label), "label": c.label, "url": c.url,
                                "matched": c.matched_labels, "owner": c.owner} for c in dup.candidates],
            }), 409
        except CrmError as error:
            return jsonify({"errors": {"": str(error.message)}}), error.status_code
        url = url_for("LeadView.show", pk=lead.id)
        return jsonify({"id": lead.id, "url": url, "label": str(lead),
                        "message": str(_l("Lead %(lead)s saved.", lead=str(lead))),
                        "open": str(_l("Open it"))}), 201
