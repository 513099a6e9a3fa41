"""In-app help 帮助: one short page per module, in the user's language, linked from the navbar's "?".

Every built-in role holds its one permission, "can_help" (app/security/roles.py, HOME_READ).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Topic:
    title: object
    points: tuple[object, ...]
    links: tuple[tuple[object, str], ...]  # (label, URL path)
    prefixes: tuple[str, ...]  # pages whose "?" opens this topic


TOPICS: dict[str, Topic] = {
    "leads": Topic(_l("Leads"), (
        _l("A lead is a possible customer that is not yet qualified. A name or a company plus one way to reach "
           "them (mobile, phone, e-mail or WeChat) is enough."),
        _l("Quick add (the + in the navbar) saves a lead without leaving the page and remembers your last "
           "channel and source."),
        _l("When a lead looks like one you can already see, the CRM warns before saving; Settings → Duplicates "
           "lists groups to merge."),
        _l("Convert a qualified lead into an account and a contact, optionally with an opportunity; its notes "
           "and activities move along."),
        _l("Use the panel on the left to filter: mine, public pool, status, channel, source, rating and tags."),
    ), ((_l("Leads"), "/lead/list/"), (_l("Import"), "/import/?entity=lead")), ("/lead/", "/quick-add/")),
    "accounts": Topic(_l("Accounts"), (
        _l("An account is a customer organisation. Its page shows contacts, opportunities, activities, notes "
           "and history in one place."),
        _l("Write a note or log a follow-up from the account's page; the last follow-up time keeps the account "
           "from returning to the public pool."),
        _l("Phone numbers and e-mail addresses are links: tap them on a phone to call or write."),
    ), ((_l("Accounts"), "/account/list/"),), ("/account/",)),
    "contacts": Topic(_l("Contacts"), (
        _l("A contact is a person, usually at an account. Mark one contact as the account's primary contact."),
        _l("Contacts have an owner of their own; your data scope decides which ones you see."),
    ), ((_l("Contacts"), "/contact/list/"),), ("/contact/",)),
    "opportunities": Topic(_l("Opportunities"), (
        _l("An opportunity is a possible sale to an account. It moves through stages, each with a win "
           "probability, until it is won or lost."),
        _l("A lost opportunity needs a lost reason. Stages and lost reasons are edited under Settings."),
        _l("Open opportunities feed the forecast on the analytics pages."),
    ), ((_l("Opportunities"), "/opportunity/list/"),), ("/opportunity/",)),
    "activities": Topic(_l("Activities and to-do"), (
        _l("An activity is a task, call, visit, meeting or e-mail with a due time, linked to one lead, account, "
           "contact or opportunity."),
        _l("My to-do lists today's, overdue and upcoming activities; completing one asks for the outcome and "
           "records a follow-up, and you can plan the next one."),
        _l("The bell in the navbar shows due reminders; dismiss or snooze them there."),
    ), ((_l("My to-do"), "/todo/"), (_l("Activities"), "/activity/list/")), ("/activity/", "/todo/", "/note/")),
    "pool": Topic(_l("Public pool"), (
        _l("Records without an owner are in the public pool. Claim one to make it yours, or return one to "
           "the pool with a reason."),
        _l("Each role may hold a limited number of records (holding cap), and a record you returned cannot be "
           "claimed back at once."),
        _l("Accounts without follow-ups for too long can return to the pool automatically; you see a warning "
           "first. The rules are under Settings → Public pool rules."),
    ), ((_l("Leads"), "/lead/list/?qf=pool"), (_l("Accounts"), "/account/list/?qf=pool")), ("/pool/",)),
    "import-export": Topic(_l("Import and export"), (
        _l("Import CSV (UTF-8 or GBK) or XLSX files of leads, accounts, contacts or opportunities. Chinese and "
           "English column headers are recognised; you can adjust the mapping."),
        _l("The preview checks every cell. Choose what happens to duplicates: skip, update or create. An import "
           "is all or nothing and can be undone for 72 hours."),
        _l("Export downloads everything that matches the list's current filter and search, within your data "
           "scope, as CSV or XLSX."),
    ), ((_l("Import"), "/import/"),), ("/import/", "/export/")),
    "analytics": Topic(_l("Analytics"), (
        _l("Dashboards show the funnel, pipeline, revenue, sources, team, customers, forecast and activities, "
           "always within your data scope."),
        _l("Filter by period, department, owner and channel; click a bar to open the matching list; download "
           "any chart's data as CSV or XLSX."),
    ), ((_l("Analytics"), "/analytics/"),), ("/analytics/",)),
    "tickets": Topic(_l("Tickets"), (
        _l("A ticket is a customer's question or problem, with a number to quote, a category, a priority and "
           "an assignee."),
        _l("Reply to the customer or write internal notes; the service-level clock pauses while waiting for "
           "the customer."),
        _l("Questions from existing customers through the inquiry form become tickets; other inquiries become "
           "leads."),
    ), ((_l("Tickets"), "/ticket/list/"), (_l("Service report"), "/ticket-report/")), ("/ticket",)),
}


def topic_for(path: str) -> str | None:
    """The help topic of the page at `path`, for the navbar's "?"."""
    for key, topic in TOPICS.items():
        if path.startswith(topic.prefixes):
            return key
    return None


class HelpView(BaseView):
    route_base = "/help"
    default_view = "index"
    method_permission_name = {"index": "help", "topic": "help"}

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("crm/help/index.html", topics=TOPICS, title=_l("Help"))

    @expose("/<key>")
    @has_access
    def topic(self, key: str):
        topic = TOPICS.get(key)
        if topic is None:
            abort(404)
        return self.render_template("crm/help/topic.html", topics=TOPICS, key=key, topic=topic,
                                    title=topic.title)

    def create_blueprint(self, appbuilder, endpoint=None, static_folder=None):
        blueprint = super().create_blueprint(appbuilder, endpoint=endpoint, static_folder=static_folder)
        blueprint.add_app_template_global(topic_for, "crm_help_topic")  # the navbar's "?"
        return blueprint
