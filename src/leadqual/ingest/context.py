"""What one file's import carries from chunk to chunk: its counts, its settings and what it has
learnt about the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from leadqual.ingest.leads import LeadTally

__all__ = ["MEMORY_LIMIT", "Chunk", "EventMemory", "Tally", "WriteContext"]

# Beyond this many remembered emails (or domains) the memory is dropped and refilled from the
# store as needed, so that a file of millions of distinct people stays within bounded memory.
MEMORY_LIMIT = 200_000

ContactIds = tuple[int, int | None, datetime]  # contact id, account id, created_at


@dataclass
class Tally:
    """What a file's import did so far."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    accounts_created: int = 0
    contacts_created: int = 0
    leads: LeadTally = field(default_factory=LeadTally)


@dataclass
class EventMemory:
    """What an event import has learnt about the store, valid until its file ends (one
    transaction): the contact of an email, the account of a domain, the lead of a contact,
    each lead's earliest event so far, and whether the store had any event when the file
    started."""

    contacts: dict[str, ContactIds] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)
    person_leads: dict[int, int] = field(default_factory=dict)
    earliest: dict[int, datetime] = field(default_factory=dict)
    store_had_events: bool | None = None  # known after the first chunk

    def trim(self) -> None:
        """Forget the look-ups once they grow past ``MEMORY_LIMIT``."""
        if len(self.contacts) > MEMORY_LIMIT or len(self.person_leads) > MEMORY_LIMIT:
            self.contacts.clear()
            self.person_leads.clear()
        if len(self.accounts) > MEMORY_LIMIT:
            self.accounts.clear()


@dataclass
class WriteContext:
    """The settings of one file's import and its running state."""

    path: str
    source: str
    now: datetime
    present: frozenset[str]
    tally: Tally
    memory: EventMemory = field(default_factory=EventMemory)


@dataclass
class Chunk:
    """Validated consecutive rows, with their file line numbers: ``columns`` maps each canonical
    field to its values (one per row); ``records`` is the same as one dict per row."""

    lines: list[int]
    columns: dict[str, list[Any]]

    @cached_property
    def records(self) -> list[dict[str, Any]]:
        names = list(self.columns)
        return [dict(zip(names, values, strict=True))
                for values in zip(*self.columns.values(), strict=True)]

    def __len__(self) -> int:
        return len(self.lines)
