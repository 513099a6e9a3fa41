"""Flask-AppBuilder's own words that our Chinese catalogue must translate. Never imported at run time.

Why this module exists
----------------------
FAB renders many strings of its own on our pages (page furniture, the navbar, the login page,
security screens, search filters, flash messages). It looks them up with gettext, and Flask-Babel
merges FAB's catalogue with ours, *ours taking precedence* (``BABEL_TRANSLATION_DIRECTORIES`` lists
FAB's folder first). FAB's ``zh`` catalogue dates from 2018: some of the strings FAB shows today are
missing from it, and some translations are wrong or awkward (e.g. "Starts with" → "以开始",
"Integrity error, probably unique constraint" → "…可能缺少必填字段数据", "Logout" → "注销").

``pybabel extract`` only reads ``app/``, so FAB's strings never reach our catalogue by themselves.
Listing them here as ``lazy_gettext("…")`` calls puts them into ``translations/messages.pot``
(``make extract-messages``) and from there into ``translations/zh/LC_MESSAGES/messages.po``, where
they are translated with the words of ``GLOSSARY.md``. The msgids must match FAB's source text
byte for byte (see ``flask_appbuilder/**``), or the override silently does nothing.

Rules
-----
* List a FAB string here only if it appears on one of our pages and FAB's ``zh`` catalogue lacks a
  good translation. Strings FAB translates well are left to FAB.
* Nothing imports this module: extraction reads it as text. It must still import cleanly
  (``lazy_gettext`` needs no application), and ``tests/views/test_translations.py`` imports it to
  check that.
* Some English on FAB pages is hard-coded in FAB's templates or JavaScript (not passed through
  gettext) and cannot be fixed from a catalogue; ``tests/views/test_translations.py`` names those.
"""

from flask_babel import lazy_gettext

FAB_MESSAGES = (
    # --- page furniture: flask_appbuilder/templates/appbuilder/general/lib.html, model/*.html ------
    lazy_gettext("Add"),  # screen-reader text of the "+" button on list pages (missing)
    lazy_gettext("Edit"),  # screen-reader text of the edit button in list rows (missing)
    lazy_gettext("Show"),  # screen-reader text of the show button in list rows (missing)
    lazy_gettext("Delete"),  # screen-reader text of the delete button in list rows (missing)
    lazy_gettext("Are you sure you want to delete this item?"),  # delete confirmation (missing)
    lazy_gettext("Back"),  # FAB: 后退 (browser word); we say 返回
    lazy_gettext("Show record"),  # FAB: 显示记录; we say 查看记录
    lazy_gettext("Page size"),  # FAB: 显示行数; we say 每页行数
    lazy_gettext("Record Count"),  # FAB: 记录数目
    lazy_gettext("Detail"),  # first tab of show/edit pages; FAB: 详细 (adjective) → 详情
    lazy_gettext("Add Filter"),  # FAB: 过滤条件; the CRM says 筛选条件 everywhere
    # --- navbar: templates/appbuilder/navbar_right.html -----------------------------------------
    lazy_gettext("Profile"),  # FAB: 用户信息 → 个人资料
    lazy_gettext("Logout"),  # FAB: 注销 (reads as "deregister the account") → 退出登录
    # --- flash messages: baseviews.py, security/views.py ------------------------------------------
    lazy_gettext("Database Error"),  # missing
    lazy_gettext("Integrity error, probably unique constraint"),  # FAB's says "missing required field"
    lazy_gettext("Invalid login. Please try again."),  # FAB: 无效的用户名或密码，请重试！
    lazy_gettext("Not a valid choice"),  # fields.py QuerySelectField (FAB's entry is fuzzy: unused)
    # --- search filters: models/sqla/filters.py ---------------------------------------------------
    lazy_gettext("Starts with"),  # FAB: 以开始 (not Chinese)
    lazy_gettext("Not Starts with"),
    lazy_gettext("Ends with"),
    lazy_gettext("Not Ends with"),
    lazy_gettext("In"),  # missing
    lazy_gettext("Not In"),  # missing
    lazy_gettext("Relation"),  # FAB: 关联 (a noun, but the filter means "is")
    lazy_gettext("No Relation"),
    lazy_gettext("Relation as Many"),
    # --- security screens: security/views.py, security/manager.py, security/forms.py --------------
    lazy_gettext("List Groups"),  # navbar, Security menu (missing)
    lazy_gettext("Groups"),  # user form (missing)
    lazy_gettext("Show Group"),
    lazy_gettext("Add Group"),
    lazy_gettext("Edit Group"),
    lazy_gettext("List Base Permissions"),  # FAB: 列出基本权限 (a verb phrase as a title)
    lazy_gettext("List View Menus"),  # FAB: 列表视图菜单 (word salad)
    lazy_gettext("Full Name"),  # FAB: 全名
    lazy_gettext("Is Active?"),  # FAB: 是否激活？ (accounts are enabled, not activated)
    lazy_gettext("Last login"),
    lazy_gettext("Failed login count"),
    lazy_gettext("Created on"),
    lazy_gettext("Changed on"),
    lazy_gettext("Changed by"),
    lazy_gettext("Your user information"),
    lazy_gettext("Edit User Information"),  # missing
    lazy_gettext("User information changed"),  # missing
    lazy_gettext("Username valid for authentication on DB or LDAP, unused for OID auth"),
    lazy_gettext("The user's password for authentication"),  # missing
    lazy_gettext("It's not a good policy to remove a user, just make it inactive"),  # FAB's is fuzzy
    lazy_gettext("The user's email, this will also be used for OID auth"),
    lazy_gettext(
        "The user group on the application, this will associate with a list of roles associated"
        " with the group"
    ),  # missing
    lazy_gettext("Either select a role or a group"),  # user form validation (missing)
    lazy_gettext("User(s) exists in the role, cannot delete"),  # missing
    lazy_gettext("User(s) exists in the group, cannot delete"),  # missing
    # --- hard-coded in FAB's templates/appbuilder/general/confirm.html and alert.html ------------
    # FAB writes these without gettext; they are listed so that an override of those templates
    # (see the report in tests/views/test_translations.py) finds them translated.
    lazy_gettext("Cancel"),
    lazy_gettext("OK"),
)
