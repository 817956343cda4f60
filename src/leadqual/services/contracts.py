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
from leadqual.errors import Conflict, InvalidInput, NotFound
from leadqual.store.database import Store
from leadqual.store.models import ContractVersion, StageChange
from leadqual.store.tables_handoff import ContractApproval, ContractProposal, SalesFeedback

__all__ = [
    "TEAMS",
    "ContractVersionInfo",
    "ProposalInfo",
    "VersionOutcome",
    "active_contract",
    "apply_contract",
    "approve_contract",
    "check_contract",
    "contract_history",
    "get_contract_version",
    "list_contract_versions",
    "list_proposals",
    "propose_contract",
    "rollback_contract",
]

TEAMS = ("marketing", "sales")

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


# -- sign-off: propose, approve (marketing and sales), roll back ---------------------------------


@dataclass(frozen=True)
class ProposalInfo:
    """A request to activate a version; ``approvals`` maps team → who signed."""

    id: int
    version: int
    kind: str  # propose | rollback
    proposed_by: str
    proposed_at: datetime
    approvals: dict[str, str]
    activated_at: datetime | None
    note: str | None

    @property
    def missing(self) -> list[str]:
        return [t for t in TEAMS if t not in self.approvals]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "kind": self.kind,
            "proposed_by": self.proposed_by,
            "proposed_at": self.proposed_at,
            "approvals": dict(self.approvals),
            "missing": self.missing,
            "activated_at": self.activated_at,
            "note": self.note,
        }


def _proposal_info(s: Any, row: ContractProposal) -> ProposalInfo:
    approvals = {
        a.team: a.by_user
        for a in s.scalars(
            select(ContractApproval).where(ContractApproval.proposal_id == row.id)
        ).all()
    }
    return ProposalInfo(
        row.id,
        row.version,
        row.kind,
        row.proposed_by,
        row.proposed_at,
        approvals,
        row.activated_at,
        row.note,
    )


def propose_contract(
    store: Store,
    text: str,
    *,
    source: str,
    proposed_by: str,
    now: datetime,
    note: str | None = None,
) -> ProposalInfo:
    """Store ``text`` as a new, inactive version waiting for the marketing and the sales
    approval (``approve_contract``); it becomes active when both have signed.

    >>> p = propose_contract(store, text, source="c.yaml", proposed_by="ana",
    ...                      now=datetime(2026, 3, 1))  # doctest: +SKIP
    >>> p.missing  # doctest: +SKIP
    ['marketing', 'sales']
    """
    contract = load_contract(text, source=source)
    with store.session() as s:
        active = s.scalars(select(ContractVersion).where(ContractVersion.active)).first()
        if active is not None and active.text == text:
            raise Conflict(
                f"this text is already the active contract (version {active.version}); "
                "nothing to propose"
            )
        latest = s.scalar(select(func.max(ContractVersion.version)))
        row = ContractVersion(
            version=(latest or 0) + 1,
            name=contract.name,
            text=text,
            sha256=contract.sha256,
            author=proposed_by,
            created_at=now,
            active=False,
        )
        s.add(row)
        s.flush()
        proposal = ContractProposal(
            version=row.version, kind="propose", proposed_by=proposed_by, proposed_at=now, note=note
        )
        s.add(proposal)
        s.flush()
        return _proposal_info(s, proposal)


def rollback_contract(
    store: Store, version: int, *, proposed_by: str, now: datetime, note: str | None = None
) -> ProposalInfo:
    """Propose re-activating an earlier ``version``; like a new version it needs the marketing
    and the sales approval before it is active again."""
    with store.session() as s:
        row = s.scalars(select(ContractVersion).where(ContractVersion.version == version)).first()
        if row is None:
            raise NotFound(
                f"there is no contract version {version}; `leadqual contract history` lists them",
                field="version",
            )
        if row.active:
            raise Conflict(f"contract version {version} is already active; nothing to roll back")
        proposal = ContractProposal(
            version=version, kind="rollback", proposed_by=proposed_by, proposed_at=now, note=note
        )
        s.add(proposal)
        s.flush()
        return _proposal_info(s, proposal)


def approve_contract(
    store: Store, version: int, *, team: str, by_user: str, now: datetime
) -> ProposalInfo:
    """Sign the open proposal of ``version`` for ``team`` (``marketing`` or ``sales``). The
    second team's approval activates the version (and records ``activated_at``). The two
    approvals must come from two people: ``Conflict`` when ``by_user`` already signed for the
    other team, or when ``team`` has signed already.

    >>> approve_contract(store, 2, team="sales", by_user="bo",
    ...                  now=datetime(2026, 3, 2)).activated_at  # doctest: +SKIP
    datetime.datetime(2026, 3, 2, 0, 0)
    """
    if team not in TEAMS:
        raise InvalidInput(
            f"unknown team {team!r}; a contract is signed by {' and '.join(TEAMS)}", field="team"
        )
    try:
        with store.session() as s:
            proposal = s.scalars(
                select(ContractProposal)
                .where(ContractProposal.version == version, ContractProposal.activated_at.is_(None))
                .order_by(ContractProposal.id.desc())
            ).first()
            if proposal is None:
                raise NotFound(
                    f"contract version {version} has no open proposal; propose it first "
                    "(`leadqual contract propose FILE` or `leadqual contract rollback VERSION`)",
                    field="version",
                )
            signed = _proposal_info(s, proposal).approvals
            if team in signed:
                raise Conflict(
                    f"{team} has already approved this proposal of version {version} "
                    f"({signed[team]}); it now needs the other team's approval",
                    field="team",
                )
            other = next((t for t, who in signed.items() if who == by_user), None)
            if other is not None:
                raise Conflict(
                    f"{by_user!r} already approved version {version} for {other}; the {team} "
                    "approval must come from someone else — a sign-off is two people, one per "
                    "team (`leadqual contract apply` is the admin's shortcut without one)",
                    field="team",
                )
            s.add(ContractApproval(proposal_id=proposal.id, team=team, by_user=by_user, at=now))
            s.flush()
            info = _proposal_info(s, proposal)
            if not info.missing:
                s.execute(
                    update(ContractVersion)
                    .where(ContractVersion.active)
                    .values(active=False)
                    .execution_options(synchronize_session="fetch")
                )
                s.execute(
                    update(ContractVersion)
                    .where(ContractVersion.version == version)
                    .values(active=True)
                    .execution_options(synchronize_session="fetch")
                )
                proposal.activated_at = now
                s.flush()
                info = _proposal_info(s, proposal)
            return info
    except IntegrityError as exc:
        raise Conflict(
            f"{team} has already approved this proposal of version {version}, or another "
            "approval activated a contract at the same time; `leadqual contract history` shows "
            "where things stand"
        ) from exc


def list_proposals(store: Store, *, open_only: bool = False) -> list[ProposalInfo]:
    """Proposals, newest first (``open_only``: those still waiting for a signature)."""
    with store.session() as s:
        stmt = select(ContractProposal).order_by(ContractProposal.id.desc())
        if open_only:
            stmt = stmt.where(ContractProposal.activated_at.is_(None))
        return [_proposal_info(s, p) for p in s.scalars(stmt).all()]


@dataclass(frozen=True)
class VersionOutcome:
    """A version as a measured release: who proposed and approved it, and how the leads it
    made MQLs did so far."""

    info: ContractVersionInfo
    proposals: list[ProposalInfo]
    mqls: int
    accepted: int
    rejected: int
    sql: int
    won: int

    def _rate(self, n: int, of: int) -> float | None:
        return round(n / of, 4) if of else None

    def as_dict(self) -> dict[str, Any]:
        decided = self.accepted + self.rejected
        return {
            **self.info.as_dict(),
            "proposals": [p.as_dict() for p in self.proposals],
            "mqls": self.mqls,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "acceptance_rate": self._rate(self.accepted, decided),
            "sql": self.sql,
            "mql_to_sql": self._rate(self.sql, self.mqls),
            "won": self.won,
            "mql_to_won": self._rate(self.won, self.mqls),
        }


def contract_history(store: Store) -> list[VersionOutcome]:
    """Every version (newest first) with its sign-off and the outcomes of the leads it
    qualified: MQL volume, sales acceptance, MQL→SQL and MQL→won so far. A lead counts under the
    version that made it an MQL (its latest such move)."""
    with store.session() as s:
        versions = s.scalars(select(ContractVersion).order_by(ContractVersion.version.desc())).all()
        infos = [_info(v) for v in versions]
        proposals = [_proposal_info(s, p) for p in s.scalars(select(ContractProposal)).all()]
        moves = s.execute(
            select(StageChange.lead_id, StageChange.to_stage, StageChange.contract_version)
            .where(StageChange.to_stage.in_(("mql", "sal", "sql", "customer")))
            .order_by(StageChange.at, StageChange.id)
        ).all()
        verdicts = s.execute(
            select(SalesFeedback.lead_id, SalesFeedback.verdict).order_by(SalesFeedback.id)
        ).all()
    owner: dict[int, int | None] = {}
    reached: dict[int, set[str]] = {}
    for lead_id, to_stage, version in moves:
        if to_stage == "mql":
            owner[lead_id] = version
        reached.setdefault(lead_id, set()).add(to_stage)
    verdict = dict(verdicts)  # the latest verdict per lead
    out = []
    for info in infos:
        leads = [lead for lead, v in owner.items() if v == info.version]
        out.append(
            VersionOutcome(
                info=info,
                proposals=sorted(
                    (p for p in proposals if p.version == info.version), key=lambda p: p.id
                ),
                mqls=len(leads),
                accepted=sum(verdict.get(x) == "accepted" for x in leads),
                rejected=sum(verdict.get(x) == "rejected" for x in leads),
                sql=sum("sql" in reached[x] for x in leads),
                won=sum("customer" in reached[x] for x in leads),
            )
        )
    return out
