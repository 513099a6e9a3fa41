"""Rules of an opportunity's life: closing stamps now; stage moves and won/lost later."""

from __future__ import annotations

from app.extensions import db
from app.models import Opportunity, Stage, utcnow


def stamp_closing(opportunity: Opportunity) -> None:
    """Entering a won or lost stage records when; reopening clears it and the lost reason."""
    stage = opportunity.stage or (db.session.get(Stage, opportunity.stage_id) if opportunity.stage_id else None)
    if stage is None:
        return
    if stage.is_closed:
        if opportunity.closed_at is None:
            opportunity.closed_at = utcnow()
        if stage.is_won:
            opportunity.lost_reason = None
    else:
        opportunity.closed_at = None
        opportunity.lost_reason = None
