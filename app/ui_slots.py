"""Places in the shared page layout where features plug in their own pieces.

Each feature adds its template partials, stylesheets and scripts here by name, so no feature edits
another's templates: the navbar, the show page and the page head read these tuples.
Partials are rendered with the page's context (show partials get `pk`, `modelview_name`,
`history_entity` — the record's entity name, or None — and `record` when the view provides it).
"""

from __future__ import annotations

# right-hand navbar entries, shown to logged-in users, in this order (before the language menu)
NAVBAR_ITEMS: tuple[str, ...] = ("crm/navbar/recent.html", "crm/navbar/bell.html", "crm/navbar/quick_add.html",
                                 "crm/navbar/points.html", "crm/help/navbar_item.html",)

# under the show page's toolbar (buttons such as "convert", "merge", "new ticket")
SHOW_BUTTONS: tuple[str, ...] = ("crm/show/complete_button.html", "crm/tickets/new_button.html", "crm/show_parts/lifecycle_buttons.html")

# panels below the record on show pages (notes box, timeline, related tickets, ...)
SHOW_PANELS: tuple[str, ...] = ("crm/show/timeline.html", "crm/tickets/related_panel.html",)

# inside the list's left-hand filter form (more facets), and below it (saved views 场景 …)
LIST_FILTERS: tuple[str, ...] = ("crm/custom_fields/list_filters.html",)
LIST_PANELS: tuple[str, ...] = ("crm/saved_views/panel.html",)

# files under app/static/crm/, loaded on every page after crm.css / crm.js
STYLESHEETS: tuple[str, ...] = ("theme.css", "home.css", "capture.css", "tickets.css", "performance.css", "phone.css", "lowcode.css")
SCRIPTS: tuple[str, ...] = ("home.js", "bulk.js", "quick_add.js", "tickets.js", "import.js", "phone.js", "lowcode.js")


def context() -> dict:
    return {
        "crm_navbar_items": NAVBAR_ITEMS,
        "crm_show_buttons": SHOW_BUTTONS,
        "crm_show_panels": SHOW_PANELS,
        "crm_list_filters": LIST_FILTERS,
        "crm_list_panels": LIST_PANELS,
        "crm_stylesheets": STYLESHEETS,
        "crm_scripts": SCRIPTS,
    }
