"""One way a stateful model changes state (DESIGN.md, "Rules of the house").

A ``Machine`` holds a model's transition table. ``move`` changes one row with a conditional
UPDATE on the state it was read in (two workers cannot both make the same move) and appends a
``core.StateChange`` history row, in the caller's transaction; ``move_many`` does the same for
every row of a queryset that may make the move. Documents have their own history
(``dte.transitions``) but refuse moves with the same exception.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from core.models import StateChange
from core.rows import update_with_rows


class TransitionRefused(Exception):
    """The move is not in the table, or another process changed the state first."""


class Machine:
    def __init__(self, model, moves, *, field="state", history=True):
        self.model = model
        self.field = field
        self.moves = {str(k): {str(t) for t in v} for k, v in moves.items()}
        self.history = history

    def __repr__(self):
        return f"Machine({self.model.__name__}.{self.field})"

    def allowed(self, current, to):
        return str(to) in self.moves.get(str(current), ())

    def sources(self, to):
        """The states from which ``to`` may be reached."""
        return [state for state, targets in self.moves.items() if str(to) in targets]

    def _label(self, state):
        choices = dict(self.model._meta.get_field(self.field).flatchoices)
        return str(choices.get(state, state))

    def check(self, current, to):
        if not self.allowed(current, to):
            raise TransitionRefused(_("No se puede pasar de «%(a)s» a «%(b)s».") % {
                "a": self._label(current), "b": self._label(to)})

    def move(self, obj, to, *, by=None, reason="", **fields):
        """Move ``obj`` to ``to`` (saving ``fields`` in the same UPDATE); returns ``obj`` updated.
        Raises TransitionRefused if the table forbids it or the row moved meanwhile."""
        current = getattr(obj, self.field)
        self.check(current, to)
        with transaction.atomic(savepoint=False):
            same = self.model._default_manager.filter(pk=obj.pk, **{self.field: current})
            values = {self.field: to, **fields}
            if self.history:  # the UPDATE and its history row in one statement (core.rows)
                changed = update_with_rows(same, values, [self._row(obj.pk, current, to, by=by, reason=reason)])
            else:
                changed = same.update(**values)
            if not changed:
                raise TransitionRefused(_("El registro cambió de estado mientras tanto."))
        setattr(obj, self.field, to)
        for key, value in fields.items():
            setattr(obj, key, value)
        return obj

    def move_many(self, queryset, to, *, by=None, reason="", **fields):
        """Move every row of ``queryset`` whose state allows it; returns the ids moved. The rows
        are locked first (rows another transaction holds are skipped), so each move is counted
        once."""
        sources = self.sources(to)
        with transaction.atomic(savepoint=False):
            rows = list(queryset.filter(**{f"{self.field}__in": sources}).select_for_update(skip_locked=True)
                        .order_by().values_list("pk", self.field))
            if not rows:
                return []
            self.model._default_manager.filter(pk__in=[pk for pk, _state in rows]).update(
                **{self.field: to}, **fields)
            if self.history:
                self._record(rows, to, by=by, reason=reason)
        return [pk for pk, _state in rows]

    def _row(self, pk, current, to, *, by, reason):
        return StateChange(model=self.model._meta.label_lower, object_id=str(pk), field=self.field,
                           from_state=str(current), to_state=str(to), by=by if by is not None and by.pk else None,
                           reason=reason[:500])

    def _record(self, rows, to, *, by, reason):
        StateChange.objects.bulk_create([self._row(pk, current, to, by=by, reason=reason) for pk, current in rows])

    def history_of(self, obj):
        return StateChange.objects.filter(model=self.model._meta.label_lower, object_id=str(obj.pk), field=self.field)
