"""How the core reports progress: a stage's name and, where it counts its work, how far it is.

The core never prints; it calls a ``Progress`` it was given. The command line turns the calls
into progress bars on a terminal; library callers may pass any function of this shape.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, TypeVar

T = TypeVar("T")


class Progress(Protocol):
    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        """A new stage when ``message`` changes; ``done`` of ``total`` items where it counts."""


def silent(message: str, done: int | None = None, total: int | None = None) -> None:
    """A Progress that says nothing."""


def counted(items: Sequence[T], message: str, progress: Progress, every: int = 200) -> Iterator[T]:
    """Yield ``items``, telling ``progress`` how many are done every ``every`` items and at the end."""
    total = len(items)
    progress(message, 0, total)
    for done, item in enumerate(items):
        if done and done % every == 0:
            progress(message, done, total)
        yield item
    progress(message, total, total)
