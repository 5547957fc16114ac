"""One request's model work, bounded: characters sent to the model and a deadline, checked at batch boundaries.

A server request sets a :class:`WorkBudget` for the thread doing its work (:func:`using`); every model call
made on its behalf (first pass, loop repair, glossary re-decode, n-best lists) is charged to it by the engines
(:func:`charge`), and the engines call :func:`check` before each batch. Past the deadline, or once the
request's owner calls :meth:`WorkBudget.cancel` (its client got 504), the next check raises
:class:`WorkCancelled`: the remaining stages stop at the next batch boundary and the work slot is released.

Outside a server request there is no budget and nothing is checked (``kabar run`` is the operator's own job).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from news.errors import KabarError
from translate import metrics

# A request may make the model read at most this many times its own characters, all calls together: the
# first pass is 1x, a loop repair and a glossary re-decode each at most about 1x more.
WORK_RATIO = 3.0
MIN_WORK_CHARS = 2_000  # a short request still affords its repairs (a 40-character sentence, decoded again)


class WorkCancelled(KabarError):
    """The request's work was stopped: its deadline passed or its client is gone (answered 504)."""


class BudgetExceeded(KabarError):
    """A model call would take the request past its work budget (the call is not made)."""


class WorkBudget:
    """Characters the model may read for one request, and when its work must stop."""

    def __init__(self, *, seconds: float | None = None, chars: int | None = None, what: str = "the request"):
        self.expires = time.monotonic() + seconds if seconds else None
        self.seconds = seconds
        self.limit = chars
        self.spent = 0
        self.what = what
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """Stop the work at its next batch boundary (the client has been answered already)."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        """True once cancelled or past the deadline."""
        return self._cancelled.is_set() or (self.expires is not None and time.monotonic() >= self.expires)

    def seconds_left(self) -> float | None:
        """Seconds until the deadline (0 once cancelled), or None without a deadline."""
        if self._cancelled.is_set():
            return 0.0
        return None if self.expires is None else max(0.0, self.expires - time.monotonic())

    def check(self) -> None:
        """Raise :class:`WorkCancelled` once the work must stop."""
        if self.cancelled:
            why = f"its deadline ({self.seconds:g} s)" if self.expires is not None and not self._cancelled.is_set() \
                else "it was cancelled"
            raise WorkCancelled(f"The work of {self.what} stopped: {why} passed. Send less text a request.")

    def remaining(self) -> int | None:
        """Characters the model may still read for this request (None: unbounded)."""
        return None if self.limit is None else max(0, self.limit - self.spent)

    def charge(self, chars: int, what: str = "a model call") -> None:
        """Count ``chars`` characters of model input, or raise :class:`BudgetExceeded` (nothing counted)."""
        self.check()
        if self.limit is not None and self.spent + chars > self.limit:
            metrics.reject("budget")
            raise BudgetExceeded(f"{what} needs {chars} characters of model work; {self.what} has "
                                 f"{self.remaining()} of its {self.limit} left")
        self.spent += chars

    def allow(self, chars: int) -> None:
        """Allow the model work of ``chars`` more characters of the request's text: ``WORK_RATIO`` times as many
        (a request whose text is translated in several parts, a page's title and body, is allowed each part);
        at least ``MIN_WORK_CHARS`` in all."""
        self.limit = int(max(MIN_WORK_CHARS, (self.limit or 0) + WORK_RATIO * chars))


class GroupBudget:
    """The budget of one model call made for several requests (grouped text translation): it stops only when
    every request of the group has stopped, and its characters are theirs together."""

    def __init__(self, members: Iterable[WorkBudget | None]):
        members = list(members)
        self.members = [m for m in members if m is not None]
        self.unbounded = not members or len(self.members) < len(members)  # one unbounded member: no bound

    @property
    def cancelled(self) -> bool:
        return not self.unbounded and all(m.cancelled for m in self.members)

    @property
    def expires(self) -> float | None:
        """The latest deadline of the group's requests (None when one of them has none)."""
        if self.unbounded or any(m.expires is None for m in self.members):
            return None
        return max(m.expires for m in self.members)

    def seconds_left(self) -> float | None:
        left = [m.seconds_left() for m in self.members]
        return None if self.expires is None else max(left)

    def check(self) -> None:
        if self.cancelled:
            self.members[0].check()

    def remaining(self) -> int | None:
        if self.unbounded or any(m.limit is None for m in self.members):
            return None
        return sum(m.remaining() or 0 for m in self.members)

    def charge(self, chars: int, what: str = "a model call") -> None:
        self.check()  # each request was charged for its own sentences when it was queued


_CURRENT: ContextVar[WorkBudget | GroupBudget | None] = ContextVar("kabar_work_budget", default=None)


def current() -> WorkBudget | GroupBudget | None:
    """The budget of the work this thread is doing, if any."""
    return _CURRENT.get()


@contextmanager
def using(budget: WorkBudget | GroupBudget | None) -> Iterator[WorkBudget | GroupBudget | None]:
    """Make ``budget`` the current one for the code inside (this thread or task only)."""
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


def has_deadline() -> bool:
    """True when the current work must stop at a deadline (a server request): the engines then keep fewer and
    smaller batches in flight, so that the work stops within one short batch of it."""
    budget = _CURRENT.get()
    return budget is not None and budget.expires is not None


def seconds_left() -> float | None:
    """Seconds until the current work's deadline (the latest of a group's), or None without one."""
    budget = _CURRENT.get()
    return None if budget is None else budget.seconds_left()


def check() -> None:
    """Raise :class:`WorkCancelled` if the current work must stop (a batch boundary)."""
    budget = _CURRENT.get()
    if budget is not None:
        budget.check()


def charge(chars: int, what: str = "a model call") -> None:
    """Charge ``chars`` characters of model input to the current budget (nothing without one)."""
    budget = _CURRENT.get()
    if budget is not None:
        budget.charge(chars, what)


def remaining() -> int | None:
    """Characters the current budget still allows (None: unbounded)."""
    budget = _CURRENT.get()
    return None if budget is None else budget.remaining()
