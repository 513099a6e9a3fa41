"""Duplicates 查重 doors: the warning before saving a likely duplicate, the duplicates screen, merge.

`DuplicateCheckMixin` is inherited by the lead, account and contact views: before an add or an
edit is saved, likely duplicates among the records the user may open stop the save and are listed
above the form ("这可能是重复的…") with links, and a "save anyway" button submits the same form again.
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l
from wtforms.fields import HiddenField
from wtforms.validators import ValidationError

from app.extensions import db
from app.models import AccountLevel, Channel, Industry, LeadStatus, Rating, UnqualifiedReason
from app.security.current import current_actor
from app.services import duplicates, merge
from app.services.concurrency import StaleVersion
from app.services.errors import CrmError

from .labels import COLUMN_LABELS

SAVE_ANYWAY = "crm_save_anyway"
SHOW_VIEWS = {"lead": "LeadView", "account": "AccountView", "contact": "ContactView"}
ENTITY_TITLES = {"lead": _l("Leads"), "account": _l("Accounts"), "contact": _l("Contacts")}
CODED = {"channel": Channel, "status": LeadStatus, "rating": Rating, "industry": Industry,
         "unqualified_reason": UnqualifiedReason, "level": AccountLevel}


def readable_kinds() -> tuple[str, ...]:
    """Record types the current user may open: only those are offered as duplicates."""
    sm = current_app.appbuilder.sm
    return tuple(entity for entity, view in SHOW_VIEWS.items() if sm.has_access("can_show", view))


class NoLikelyDuplicates:
    """Form check: stop the save while likely duplicates exist and the user has not said "save anyway"."""

    def __init__(self, entity: str, model):
        self.entity = entity
        self.model = model

    def __call__(self, form, field):
        if request.form.get(SAVE_ANYWAY):
            return
        data = {f.name: f.data for f in form if isinstance(f.data, str)}
        if not self._new_keys(form, data):
            return  # an edit that leaves the mobile, e-mail and company alone warns about nothing
        found = duplicates.find_duplicates(self.entity, data, current_actor(),
                                           exclude_id=getattr(form, "_id", None), kinds=readable_kinds())
        if found:
            g.crm_duplicates = found
            raise ValidationError(_l("This may be a duplicate."))

    def _new_keys(self, form, data: dict) -> bool:
        pk = getattr(form, "_id", None)
        record = db.session.get(self.model, pk) if pk is not None else None
        if record is None:
            return True
        fields = duplicates.INPUT_FIELDS[self.entity]
        stored = duplicates.keys_of(self.entity, {n: getattr(record, n, None) for n in fields})
        entered = duplicates.keys_of(self.entity, data)
        return any(entered[kind] - stored[kind] for kind in entered)


class DuplicateCheckMixin:
    """For LeadView, AccountView, ContactView: warns about likely duplicates before saving."""

    duplicate_entity = ""
    add_template = "crm/duplicates/add.html"
    edit_template = "crm/duplicates/edit.html"

    def _init_forms(self):
        super()._init_forms()
        for form in (self.add_form, self.edit_form):
            # a hidden field: hidden_tag() renders it, no table row does
            form.duplicate_check = HiddenField(
                validators=[NoLikelyDuplicates(self.duplicate_entity, self.datamodel.obj)])

    def render_template(self, template, **kwargs):
        kwargs.setdefault("crm_duplicates", g.get("crm_duplicates"))
        kwargs.setdefault("crm_save_anyway", SAVE_ANYWAY)
        return super().render_template(template, **kwargs)


# -- the duplicates screen and merge -----------------------------------------------------------

def display(record, name: str) -> str:
    """A field's value as people read it, for the merge page."""
    value = getattr(record, name)
    if value is None or value == "":
        return ""
    if name.endswith("_id"):
        related = getattr(record, name[:-3], None)
        return str(related) if related is not None else f"#{value}"
    if name in CODED:
        return str(CODED[name].label_of(value))
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if hasattr(value, "hour"):
        return format_datetime(value, "short")
    if hasattr(value, "year"):
        return format_date(value, "medium")
    return str(value)


def field_label(name: str):
    base = name[:-3] if name.endswith("_id") else name
    return COLUMN_LABELS.get(base, COLUMN_LABELS.get(name, base))


def default_choices(entity: str, records: list) -> dict[str, int]:
    """The value each field keeps unless the user picks another: the first record's, or the first
    non-empty one (the same rule merge_records applies)."""
    out = {}
    for name in merge.MERGE_FIELDS[entity]:
        out[name] = records[0].id
        for record in records:
            if not merge._empty(getattr(record, name)):
                out[name] = record.id
                break
    return out


class DuplicatesView(BaseView):
    route_base = "/duplicates"
    default_view = "index"
    method_permission_name = {"index": "list", "merge": "merge"}

    def _entities(self) -> list[str]:
        sm = self.appbuilder.sm
        return [e for e, view in SHOW_VIEWS.items() if sm.has_access("can_edit", view)]

    @expose("/")
    @has_access
    def index(self):
        entities = self._entities()
        entity = request.args.get("entity") or (entities[0] if entities else "")
        if entity not in entities:
            abort(404)
        keys = duplicates.group_keys(entity, current_actor())  # built-in and custom match keys
        key = request.args.get("key") or next(iter(keys))
        if key not in keys:
            abort(404)
        after = (request.args.get("after") or "")[:254] or None
        result = duplicates.duplicate_groups(entity, current_actor(), key, after=after)
        return self.render_template(
            "crm/duplicates/index.html", entity=entity, entities=entities, key=key, keys=keys,
            result=result, entity_titles=ENTITY_TITLES,
            show_view=SHOW_VIEWS[entity], title=_l("Duplicates"))

    @expose("/merge", methods=["GET", "POST"])
    @has_access
    def merge(self):
        entity = request.values.get("entity", "")
        if entity not in self._entities():
            abort(404)
        ids = []
        for raw in request.values.getlist("ids"):
            for part in str(raw).split(","):
                if part.strip().isdigit() and int(part) not in ids:
                    ids.append(int(part))
        if len(ids) < 2:
            flash(str(_l("Choose at least two records to merge.")), "warning")
            return redirect(url_for(".index", entity=entity))
        user = current_actor()
        if request.method == "POST":
            done = self._merge(entity, ids, user)
            if done is not None:
                return done
        try:
            records = merge._load(merge.MODELS[entity], ids[: merge.MAX_RECORDS], user)
        except CrmError:
            abort(404)
        records = [records[pk] for pk in ids[: merge.MAX_RECORDS]]
        chosen = default_choices(entity, records)
        if request.method == "POST":  # keep what the user picked
            chosen.update({name: int(v) for name in chosen
                           if (v := request.form.get(f"field_{name}", "")).isdigit()})
        survivor = request.form.get("survivor", type=int) or records[0].id
        rows = [(name, field_label(name), [(r.id, display(r, name)) for r in records])
                for name in merge.MERGE_FIELDS[entity]]
        return self.render_template(
            "crm/duplicates/merge.html", entity=entity, records=records, rows=rows, chosen=chosen,
            survivor=survivor, show_view=SHOW_VIEWS[entity], entity_title=ENTITY_TITLES[entity],
            title=_l("Merge"))

    def _merge(self, entity: str, ids: list[int], user):
        survivor = request.form.get("survivor", type=int)
        if survivor not in ids:
            flash(str(_l("Choose the record that stays.")), "danger")
            return None
        choices = {name: int(v) for name in merge.MERGE_FIELDS[entity]
                   if (v := request.form.get(f"field_{name}", "")).isdigit()}
        versions = {pk: int(v) for pk in ids if (v := request.form.get(f"version_{pk}", "")).isdigit()}
        try:
            result = merge.merge_records(entity, survivor, [pk for pk in ids if pk != survivor], user,
                                         choices, versions=versions)
        except StaleVersion as error:
            flash(str(error.message), "warning")
            return None
        except CrmError as error:
            if error.status_code == 404:
                abort(404)
            flash(str(error.message), "danger")
            return None
        flash(str(_l("%(count)s records merged into this one.", count=len(result.merged_ids) + 1)), "success")
        return redirect(url_for(f"{SHOW_VIEWS[entity]}.show", pk=result.survivor_id))
