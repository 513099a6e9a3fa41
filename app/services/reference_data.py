"""Vocabularies a new installation starts with; admins edit them afterwards in Settings."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import LeadSource, LostReason, Stage

# (zh, en, probability, won, lost)
STAGES = (
    ("初步接洽", "Initial contact", 10, False, False),
    ("需求确认", "Needs analysis", 25, False, False),
    ("方案报价", "Proposal / quote", 50, False, False),
    ("商务谈判", "Negotiation", 75, False, False),
    ("赢单", "Won", 100, True, False),
    ("输单", "Lost", 0, False, True),
)

# channel -> [(zh, en)]
SOURCES = {
    "online": (("官网", "Website"), ("搜索推广", "Search ads"), ("微信", "WeChat"),
               ("在线咨询", "Inquiry form"), ("社交媒体", "Social media")),
    "offline": (("展会", "Trade show"), ("陌生拜访", "Cold call"), ("线下活动", "Event"),
                ("电话营销", "Telemarketing")),
    "referral": (("客户介绍", "Customer referral"), ("合作伙伴", "Partner"),
                 ("员工推荐", "Employee referral")),
}

LOST_REASONS = (("价格过高", "Price too high"), ("选择了竞争对手", "Chose a competitor"),
                ("需求取消", "Project cancelled"), ("预算不足", "No budget"),
                ("联系不上", "No response"), ("其他", "Other"))


def seed_reference_data() -> dict[str, int]:
    """Insert the default vocabularies into empty tables only; never touch edited ones."""
    added = {"stages": 0, "sources": 0, "lost_reasons": 0}
    if not db.session.scalar(select(func.count(Stage.id))):
        for order, (zh, en, prob, won, lost) in enumerate(STAGES):
            db.session.add(Stage(name_zh=zh, name_en=en, probability=prob, is_won=won,
                                 is_lost=lost, sort_order=order))
            added["stages"] += 1
    if not db.session.scalar(select(func.count(LeadSource.id))):
        for channel, sources in SOURCES.items():
            for order, (zh, en) in enumerate(sources):
                db.session.add(LeadSource(channel=channel, name_zh=zh, name_en=en, sort_order=order))
                added["sources"] += 1
    if not db.session.scalar(select(func.count(LostReason.id))):
        for order, (zh, en) in enumerate(LOST_REASONS):
            db.session.add(LostReason(name_zh=zh, name_en=en, sort_order=order))
            added["lost_reasons"] += 1
    db.session.commit()
    return added
