"""The transition tables of contingency's events and lots (core.statemachine): every move is one
conditional UPDATE with a core.StateChange history row. A retry that leaves a row where it was
(an event still pending or in doubt, a lot retried while in doubt) is a move too, so it is in
the history."""

from contingency.models import Event, EventState, Lot, LotState
from core.statemachine import Machine

EVENT = Machine(Event, {
    EventState.PENDING: [EventState.PENDING, EventState.IN_DOUBT, EventState.SEALED, EventState.REJECTED],
    EventState.IN_DOUBT: [EventState.IN_DOUBT, EventState.SEALED, EventState.REJECTED],
    EventState.REJECTED: [EventState.REPLACED],
})

LOT = Machine(Lot, {
    LotState.NEW: [LotState.SENDING],
    LotState.SENDING: [LotState.SENT, LotState.IN_DOUBT, LotState.NEW, LotState.FAILED, LotState.PROCESSED],
    LotState.SENT: [LotState.POLLING],
    LotState.IN_DOUBT: [LotState.POLLING, LotState.IN_DOUBT],
    LotState.POLLING: [LotState.SENT, LotState.IN_DOUBT, LotState.PROCESSED],
    LotState.FAILED: [LotState.IN_DOUBT],
})


def move_events(rows, to, **fields):
    """Move the events of ``rows`` (a queryset) that may go to ``to``; returns how many moved."""
    return len(EVENT.move_many(rows, to, **fields))


def move_lots(rows, to, **fields):
    """Move the lots of ``rows`` (a queryset) that may go to ``to``; returns how many moved."""
    return len(LOT.move_many(rows, to, **fields))
