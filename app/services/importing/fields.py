"""What each entity accepts from a spreadsheet, and the header words (zh/en) that mean each field.

`propose_mapping` reads a header row and says which field each column fills; the person can then
change it. Unknown columns are ignored, or kept in the description when asked.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.models import Account, Contact, Lead, Opportunity
from app.views.labels import COLUMN_LABELS

IGNORE = ""
DESCRIPTION = "description"  # the description field: columns kept "in the description" are appended to it
KEEP = "__keep__"  # mapping target: keep this column's cells in the description

# kinds: text, mobile, phone, email, enum:<Enum>, source, stage, lost_reason, account, owner,
#        date, amount, bool, currency
@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    synonyms: tuple[str, ...]
    max_length: int | None = None
    required: bool = False

    @property
    def label(self):
        return COLUMN_LABELS.get(self.name) or EXTRA_LABELS[self.name]


_OWNER = Field("owner", "owner", ("负责人", "所有人", "销售", "归属人", "业务员", "owner", "sales rep",
                                  "assigned to", "owner username"))
_EXTERNAL = Field("external_id", "text", ("外部编号", "外部id", "erp编号", "编号", "external id", "external_id",
                                          "erp id", "id"), 64)
_DESC = Field("description", "text", ("备注", "说明", "描述", "备注信息", "notes", "note", "remarks", "remark",
                                      "description", "comments", "comment"))
_PROVINCE = Field("province", "text", ("省份", "省", "所在省份", "地区", "province", "state", "region"), 50)
_CITY = Field("city", "text", ("城市", "所在城市", "市", "city"), 50)
_ADDRESS = Field("address", "text", ("地址", "详细地址", "通讯地址", "address", "street"), 255)
_INDUSTRY = Field("industry", "enum:Industry", ("行业", "所属行业", "industry", "sector"))
_SOURCE = Field("source", "source", ("来源", "线索来源", "客户来源", "渠道来源", "source", "lead source"))
_TITLE = Field("title", "text", ("职位", "职务", "岗位", "头衔", "title", "job title", "position", "role"), 100)
_MOBILE = Field("mobile", "mobile", ("手机", "手机号", "手机号码", "联系电话", "移动电话", "电话号码", "mobile",
                                     "mobile phone", "cell", "cell phone", "mobile number", "phone number"), 32)
_PHONE = Field("phone", "phone", ("座机", "固定电话", "办公电话", "电话", "phone", "telephone", "tel",
                                  "office phone", "landline"), 32)
_EMAIL = Field("email", "email", ("邮箱", "电子邮箱", "邮件", "电子邮件", "email", "e-mail", "mail",
                                  "email address", "e-mail address"), 254)
_WECHAT = Field("wechat", "text", ("微信", "微信号", "wechat", "wechat id", "weixin"), 64)

ENTITY_FIELDS: dict[str, tuple[Field, ...]] = {
    "lead": (
        Field("person_name", "text", ("姓名", "联系人", "名字", "联系人姓名", "客户姓名", "name", "full name",
                                      "contact", "contact name", "person", "person name"), 100),
        Field("company_name", "text", ("公司", "公司名称", "单位", "单位名称", "客户名称", "企业名称", "企业",
                                       "company", "company name", "organisation", "organization",
                                       "account", "account name"), 200),
        _TITLE, _MOBILE, _PHONE, _EMAIL, _WECHAT,
        Field("channel", "enum:Channel", ("渠道", "线索渠道", "channel")),
        _SOURCE,
        Field("status", "enum:LeadStatus", ("状态", "线索状态", "status", "lead status")),
        Field("rating", "enum:Rating", ("评级", "等级", "热度", "rating")),
        _INDUSTRY, _PROVINCE, _CITY, _ADDRESS, _DESC, _OWNER, _EXTERNAL,
    ),
    "account": (
        Field("name", "text", ("客户名称", "公司", "公司名称", "单位名称", "企业名称", "客户", "account",
                               "account name", "company", "company name", "name", "organisation",
                               "organization"), 200, required=True),
        _INDUSTRY,
        Field("level", "enum:AccountLevel", ("客户级别", "级别", "等级", "客户等级", "level", "tier")),
        _SOURCE,
        Field("phone", "mobile", ("电话", "联系电话", "公司电话", "总机", "phone", "telephone", "tel",
                                  "phone number"), 32),
        Field("website", "text", ("网站", "官网", "网址", "website", "web site", "url", "homepage"), 255),
        _PROVINCE, _CITY, _ADDRESS, _DESC, _OWNER, _EXTERNAL,
    ),
    "contact": (
        Field("name", "text", ("姓名", "联系人", "名字", "联系人姓名", "name", "full name", "contact",
                               "contact name"), 100, required=True),
        Field("account", "account", ("客户", "客户名称", "公司", "公司名称", "单位名称", "account",
                                     "account name", "company", "company name")),
        _TITLE, _MOBILE, _PHONE, _EMAIL, _WECHAT,
        Field("is_primary", "bool", ("主要联系人", "首要联系人", "primary", "primary contact", "is primary")),
        Field("birthday", "date", ("生日", "出生日期", "birthday", "date of birth", "birth date")),
        _OWNER, _EXTERNAL,
    ),
    "opportunity": (
        Field("name", "text", ("商机名称", "商机", "项目名称", "名称", "opportunity", "opportunity name", "name",
                               "deal", "deal name"), 200, required=True),
        Field("account", "account", ("客户", "客户名称", "公司", "公司名称", "account", "account name",
                                     "company", "company name"), required=True),
        Field("amount", "amount", ("金额", "预计金额", "商机金额", "合同金额", "amount", "value", "deal value"),
              required=False),
        Field("currency", "enum:Currency", ("币种", "货币", "currency")),
        Field("stage", "stage", ("阶段", "销售阶段", "stage", "sales stage")),
        Field("expected_close_date", "date", ("预计成交日期", "预计签单日期", "成交日期", "预计结单日期",
                                              "expected close date", "close date", "expected close")),
        Field("lost_reason", "lost_reason", ("输单原因", "lost reason")),
        _OWNER, _EXTERNAL,
    ),
}

MODELS = {"lead": Lead, "account": Account, "contact": Contact, "opportunity": Opportunity}
ENTITY_LABELS = {"lead": _l("Leads"), "account": _l("Accounts"), "contact": _l("Contacts"),
                 "opportunity": _l("Opportunities")}

EXTRA_LABELS = {"external_id": _l("External ID")}

_SPACES = re.compile(r"[\s_\-:：*（）()]+")


def header_key(text: object) -> str:
    """Header spelling that synonyms are compared in: NFKC, lower case, no spaces or marks."""
    value = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    return _SPACES.sub("", value)


def fields_of(entity: str) -> dict[str, Field]:
    from app.services.custom_fields import importing as custom  # custom fields 自定义字段

    return {f.name: f for f in (*ENTITY_FIELDS[entity], *custom.fields(entity))}


def propose_mapping(entity: str, headers: list[str]) -> dict[str, str]:
    """{header: field name or IGNORE}. Each field is proposed for one column at most (the first)."""
    lookup: dict[str, str] = {}
    for spec in fields_of(entity).values():
        for word in (spec.name, *spec.synonyms):
            lookup.setdefault(header_key(word), spec.name)
    taken: set[str] = set()
    out = {}
    for header in headers:
        name = lookup.get(header_key(header), IGNORE)
        if name and name in taken:
            name = IGNORE
        if name:
            taken.add(name)
        out[header] = name
    return out


def score_header(entity: str, cells: list[object]) -> int:
    """How many cells of a row look like field headers (to find the header under a title row)."""
    words = {header_key(w) for spec in ENTITY_FIELDS[entity] for w in (spec.name, *spec.synonyms)}
    return sum(1 for c in cells if c is not None and header_key(c) in words)
