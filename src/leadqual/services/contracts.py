"""Contract versions: check a file, apply a new version, read the active one and the history.

Every applied contract is kept (append-only versions); exactly one is active, enforced by the
database. Applying the text that is already active changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from leadqual.contract.loader import load_contract, load_contract_file
from leadqual.contract.model import Contract
from leadqual.errors import Conflict, NotFound
from leadqual.store.database import Store
from leadqual.store.models import ContractVersion

__all__ = [
    "ContractVersionInfo",
    "active_contract",
    "apply_contract",
    "check_contract",
    "get_contract_version",
    "list_contract_versions",
]

_NO_CONTRACT = (
    "no contract has been applied yet; run `leadqual contract apply FILE` "
    "(`leadqual contract starter > contract.yaml` writes one to start from)"
)


@dataclass(frozen=True)
class ContractVersionInfo:
    """One stored contract version, without its text."""

    version: int
    name: str
    sha256: str
    author: str | None
    created_at: datetime
    active: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "name": self.name,
            "sha256": self.sha256,
            "author": self.author,
            "created_at": self.created_at,
            "active": self.active,
        }


def _info(row: ContractVersion) -> ContractVersionInfo:
    return ContractVersionInfo(
        version=row.version,
        name=row.name,
        sha256=row.sha256,
        author=row.author,
        created_at=row.created_at,
        active=bool(row.active),
    )


def check_contract(path: Path) -> Contract:
    """Validate the contract file at ``path`` (``ContractError`` lists every problem).

    >>> check_contract(Path("contract.yaml")).max_fit  # doctest: +SKIP
    100.0
    """
    return load_contract_file(path)


def apply_contract(
    store: Store, text: str, *, source: str, author: str | None, now: datetime
) -> ContractVersionInfo:
    """Validate ``text`` and make it the active contract, as a new version.

    Idempotent: when ``text`` is exactly the active version's text, nothing is stored and the
    active version is returned.

    >>> info = apply_contract(store, text, source="contract.yaml", author="ana",
    ...                       now=datetime(2026, 3, 1))  # doctest: +SKIP
    """
    contract = load_contract(text, source=source)
    try:
        with store.session() as s:
            active = s.scalars(select(ContractVersion).where(ContractVersion.active)).first()
            if active is not None and active.sha256 == contract.sha256 and active.text == text:
                return _info(active)
            # Deactivate first: the partial unique index allows a single active row.
            s.execute(
                update(ContractVersion)
                .where(ContractVersion.active)
                .values(active=False)
                .execution_options(synchronize_session="fetch")
            )
            latest = s.scalar(select(func.max(ContractVersion.version)))
            row = ContractVersion(
                version=(latest or 0) + 1,
                name=contract.name,
                text=text,
                sha256=contract.sha256,
                author=author,
                created_at=now,
                active=True,
            )
            s.add(row)
            s.flush()
            return _info(row)
    except IntegrityError as exc:
        raise Conflict(
            "another contract was applied at the same time; run `leadqual contract show` to see "
            "the active version and apply again if needed"
        ) from exc


def active_contract(store: Store) -> tuple[ContractVersionInfo, Contract]:
    """The active version and its contract (``NotFound`` when none has been applied).

    >>> info, contract = active_contract(store)  # doctest: +SKIP
    """
    with store.session() as s:
        row = s.scalars(select(ContractVersion).where(ContractVersion.active)).first()
        if row is None:
            raise NotFound(_NO_CONTRACT)
        info, text = _info(row), row.text
    return info, load_contract(text, source=f"contract version {info.version}")


def get_contract_version(
    store: Store, version: int | None = None
) -> tuple[ContractVersionInfo, Contract]:
    """Version ``version`` and its contract; the active one when ``version`` is None.

    >>> info, contract = get_contract_version(store, 2)  # doctest: +SKIP
    """
    if version is None:
        return active_contract(store)
    with store.session() as s:
        row = s.scalars(select(ContractVersion).where(ContractVersion.version == version)).first()
        if row is None:
            latest = s.scalar(select(func.max(ContractVersion.version)))
            if latest is None:
                raise NotFound(_NO_CONTRACT)
            raise NotFound(
                f"there is no contract version {version}; versions go from 1 to {latest} "
                "(`leadqual contract versions` lists them)"
            )
        info, text = _info(row), row.text
    return info, load_contract(text, source=f"contract version {info.version}")


def list_contract_versions(store: Store) -> list[ContractVersionInfo]:
    """Every stored version, newest first.

    >>> [v.version for v in list_contract_versions(store)]  # doctest: +SKIP
    [2, 1]
    """
    with store.session() as s:
        rows = s.scalars(select(ContractVersion).order_by(ContractVersion.version.desc())).all()
        return [_info(r) for r in rows]
