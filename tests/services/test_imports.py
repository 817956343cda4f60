"""The import use case on a real store (SQLite and PostgreSQL): formats, lead rules,
idempotency, and every bad file leaving the store exactly as it was."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from leadqual.errors import ImportRowError, InvalidInput
from leadqual.services.imports import import_file
from leadqual.store.database import Store
from leadqual.store.models import Account, Base, Contact, Deal, Event, Lead
from tests.conftest import shared_data

NOW = datetime(2026, 3, 1, 9, 0)
MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"

ACCOUNTS = (
    "domain,name,industry,employees,annual_revenue,technologies,dept_sales,external_id,attr.tier\n"
    """https://www.Acme.com/about,Acme,software,250,1200000.5,shopify;google analytics,12,A-1,gold
globex.com,Globex,retail,,,,,A-2,
"""
)
CONTACTS = """email,account_domain,first_name,last_name,job_title,consent_email,created_at
Ann@Acme.com,,Ann,Lee,CTO,yes,2026-01-05T10:00:00Z
bob@initech.com,initech.com,Bob,Ray,,no,2026-01-06
"""
EVENTS = """event_id,type,occurred_at,email,account_domain,path,form_kind
e1,page_view,2026-01-01T10:00:00,,globex.com,/pricing,
e2,form_submit,2026-01-02T10:00:00,carl@globex.com,,/demo,demo_request
e3,page_view,2025-12-01T10:00:00,ann@acme.com,,/,
e4,page_view,2026-01-03,,umbrella.com,/docs/x,
e5,email_open,2026-01-04,,,,
"""
DEALS = """deal_id,account_domain,contact_email,amount,stage,created_at,closed_at
d1,acme.com,,1000,won,2026-01-01,2026-02-01
d2,globex.com,,500,open,,
d3,,bob@initech.com,,lost,2026-01-01,2026-01-09
"""


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    with store.engine.connect() as conn:
        return {
            t.name: sorted(
                (tuple(map(str, r)) for r in conn.execute(select(t)).all()), key=str)
            for t in Base.metadata.sorted_tables
        }


def load_all(store: Store, tmp_path: Path) -> None:
    for kind, content in (("accounts", ACCOUNTS), ("contacts", CONTACTS), ("events", EVENTS),
                          ("deals", DEALS)):
        import_file(store, kind, write(tmp_path, f"{kind}.csv", content), now=NOW)


def test_canonical_import_applies_the_lead_rules(store: Store, tmp_path: Path) -> None:
    load_all(store, tmp_path)
    with store.session() as s:
        acme = s.scalars(select(Account).where(Account.domain == "acme.com")).one()
        assert acme.technologies == ["shopify", "google analytics"]
        assert acme.department_sizes == {"sales": 12}
        assert acme.attributes == {"tier": "gold"}
        assert acme.employees == 250 and acme.external_id == "A-1"
        ann = s.scalars(select(Contact).where(Contact.email == "ann@acme.com")).one()
        assert ann.account_id == acme.id  # from the email's domain
        assert ann.consent_email is True
        leads = {lead.key: lead for lead in s.scalars(select(Lead))}
        assert set(leads) == {"ann@acme.com", "bob@initech.com", "carl@globex.com",
                              "umbrella.com"}
        assert all(lead.stage == "lead" for lead in leads.values())
        # the lead's created_at is its earliest event (before the contact's created_at)
        assert leads["ann@acme.com"].created_at == datetime(2025, 12, 1, 10)
        # globex's anonymous visit became carl's lead when carl identified himself
        carl = leads["carl@globex.com"]
        assert carl.created_at == datetime(2026, 1, 1, 10)
        events = {e.event_id: e for e in s.scalars(select(Event))}
        assert events["e1"].lead_id == carl.id and events["e2"].lead_id == carl.id
        assert events["e1"].page_type == "pricing" and events["e2"].form_kind == "demo_request"
        assert events["e4"].lead_id == leads["umbrella.com"].id
        assert leads["umbrella.com"].contact_id is None
        assert events["e5"].lead_id is None
        deals = {d.external_id: d for d in s.scalars(select(Deal))}
        assert deals["d1"].lead_id == leads["ann@acme.com"].id  # earliest person lead
        assert deals["d2"].lead_id == carl.id
        assert deals["d3"].lead_id == leads["bob@initech.com"].id
        assert deals["d3"].amount is None


def test_reimport_changes_nothing(store: Store, tmp_path: Path) -> None:
    load_all(store, tmp_path)
    before = snapshot(store)
    results = [import_file(store, k, tmp_path / f"{k}.csv", now=datetime(2026, 4, 1))
               for k in ("accounts", "contacts", "events", "deals")]
    assert snapshot(store) == before
    assert all(r.inserted == r.updated == r.leads_created == 0 for r in results)
    assert [r.unchanged for r in results] == [2, 2, 5, 3]


def test_reimport_with_changes_updates(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "accounts.csv", ACCOUNTS)
    import_file(store, "accounts", path, now=NOW)
    write(tmp_path, "accounts.csv", "domain,employees\nacme.com,300\nnew.io,5\n")
    result = import_file(store, "accounts", path, now=NOW)
    assert (result.inserted, result.updated, result.unchanged) == (1, 1, 0)
    with store.session() as s:
        acme = s.scalars(select(Account).where(Account.domain == "acme.com")).one()
        assert acme.employees == 300 and acme.name == "Acme"  # absent columns are kept


def test_jsonl_events(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "events.ndjson",
                 '{"event_id": "j1", "type": "page_view", "occurred_at": "2026-01-01T00:00:00Z",'
                 ' "email": "Dee@Hooli.com", "url": "https://hooli.com/pricing?x=1",'
                 ' "dwell_ms": 1200}\n')
    result = import_file(store, "events", path, now=NOW)
    assert (result.inserted, result.contacts_created, result.leads_created) == (1, 1, 1)
    with store.session() as s:
        event = s.scalars(select(Event)).one()
        assert (event.path, event.page_type, event.dwell_ms) == ("/pricing", "pricing", 1200)


BAD_FILES = [
    ("accounts", "domain,employees\nacme.com,12\nglobex.com,many\n", 3, "employees",
     "employees: 'many' is not a whole number"),
    ("accounts", "name,employees\nAcme,12\n", 1, "domain", "missing required column 'domain'"),
    ("accounts", "domain\nacme.com\nglobex.com\nACME.com\n", 4, "domain", "row 2 has the same"),
    ("accounts", b"domain,name\nacme.com,Acme\nmuller.de,M\xfcller\n", 3, None, "not UTF-8"),
    ("accounts", "", None, None, "the file is empty"),
    ("events", "event_id,type,occurred_at\ne1,page_view,2026-01-01\ne2,form_submit,2026-01-02\n",
     3, "form_kind", "a form_submit event needs a form_kind"),
    ("events", "event_id,type,occurred_at\ne1,page_veiw,2026-01-01\n", 2, "type",
     "did you mean 'page_view'"),
    ("events", "event_id,type,occurred_at\ne1,page_view,yesterday\n", 2, "occurred_at",
     "not an ISO-8601 timestamp"),
    ("deals", "deal_id,stage,closed_at\nd1,won,\n", 2, "closed_at", "a won deal needs closed_at"),
    ("deals", "deal_id,stage\nd1,Wonn\n", 2, "stage", "did you mean 'won'"),
    ("deals", "deal_id,stage,account_domain\nd1,open,nowhere.com\n", 2, "account_domain",
     "no account has the domain"),
]


@pytest.mark.parametrize(("kind", "content", "row", "column", "message"), BAD_FILES)
def test_bad_file_leaves_the_store_unchanged(
    store: Store, tmp_path: Path, kind: str, content: str | bytes, row: int | None,
    column: str | None, message: str,
) -> None:
    load_all(store, tmp_path)
    before = snapshot(store)
    # a good chunk before the bad row must be rolled back too
    with pytest.raises(ImportRowError) as err:
        import_file(store, kind, write(tmp_path, "bad.csv", content), now=NOW, chunk_rows=100)
    assert snapshot(store) == before
    assert message in str(err.value)
    assert (err.value.row, err.value.column) == (row, column)
    assert "Nothing was imported" in str(err.value)


def test_error_after_a_written_chunk_rolls_everything_back(store: Store, tmp_path: Path) -> None:
    rows = [f"e{i},page_view,2026-01-01,,acme{i}.com" for i in range(250)]
    rows.append("bad,page_view,not-a-date,,x.com")
    path = write(tmp_path, "events.csv",
                 "event_id,type,occurred_at,email,account_domain\n" + "\n".join(rows) + "\n")
    before = snapshot(store)
    with pytest.raises(ImportRowError) as err:
        import_file(store, "events", path, now=NOW, chunk_rows=100)
    assert err.value.row == 252
    assert snapshot(store) == before


def test_utf8_bom_is_accepted(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "\ufeffdomain,name\nacme.com,Ä\n".encode())
    assert import_file(store, "accounts", path, now=NOW).inserted == 1


def test_unknown_kind_and_both_format_and_mapping(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", ACCOUNTS)
    with pytest.raises(InvalidInput, match="did you mean 'accounts'"):
        import_file(store, "acounts", path, now=NOW)
    with pytest.raises(InvalidInput, match="not both"):
        import_file(store, "accounts", path, fmt="hubspot", mapping=path, now=NOW)


def test_hubspot_exports(store: Store, tmp_path: Path) -> None:
    companies = write(tmp_path, "companies.csv",
                      "Record ID,Company name,Company Domain Name,Industry,Number of Employees,"
                      "Annual Revenue,Country/Region,Web Technologies,Create Date\n"
                      "101,Acme,acme.com,COMPUTER_SOFTWARE,250,1000000,Kenya,Shopify;Stripe,"
                      "2025-05-01 10:00\n")
    contacts = write(tmp_path, "contacts.csv",
                     "Record ID,First Name,Last Name,Email,Job Title,Associated Company IDs\n"
                     "201,Ann,Lee,ann@acme.com,CTO,101\n")
    deals = write(tmp_path, "deals.csv",
                  "Record ID,Deal Name,Deal Stage,Amount,Create Date,Close Date,"
                  "Associated Company IDs,Associated Contact IDs\n"
                  "301,Big one,closedwon,5000,2025-06-01,2025-07-01,101,201\n"
                  "302,Maybe,appointmentscheduled,100,2025-06-01,2025-09-01,101,\n")
    results = [import_file(store, k, p, now=NOW) for k, p in
               (("accounts", companies), ("contacts", contacts), ("deals", deals))]
    assert [r.format for r in results] == ["hubspot"] * 3
    with store.session() as s:
        acme = s.scalars(select(Account)).one()
        assert (acme.external_id, acme.technologies) == ("101", ["Shopify", "Stripe"])
        ann = s.scalars(select(Contact)).one()
        assert ann.account_id == acme.id and ann.external_id == "201"
        deals_by_id = {d.external_id: d for d in s.scalars(select(Deal))}
        assert deals_by_id["301"].stage == "won" and deals_by_id["301"].contact_id == ann.id
        assert deals_by_id["302"].stage == "open" and deals_by_id["302"].closed_at is None


def test_salesforce_exports(store: Store, tmp_path: Path) -> None:
    accounts = write(tmp_path, "Account.csv",
                     "Id,Name,Website,Industry,NumberOfEmployees,AnnualRevenue,BillingCountry\n"
                     "001A,Acme,https://www.acme.com,Technology,250,1000000,Kenya\n")
    contacts = write(tmp_path, "Contact.csv",
                     "Id,AccountId,Email,FirstName,LastName,Title,HasOptedOutOfEmail\n"
                     "003A,001A,ann@acme.com,Ann,Lee,CTO,true\n")
    opps = write(tmp_path, "Opportunity.csv",
                 "Id,AccountId,Name,Amount,StageName,IsClosed,IsWon,CreatedDate,CloseDate\n"
                 "006A,001A,Big,5000,Closed Won,true,true,2025-06-01T10:00:00.000Z,2025-07-01\n"
                 "006B,001A,Lost,100,Closed Lost,true,false,2025-06-01T10:00:00.000Z,2025-07-02\n"
                 "006C,001A,Open,100,Prospecting,false,false,2025-06-01T10:00:00.000Z,2025-09-01\n")
    for kind, path in (("accounts", accounts), ("contacts", contacts), ("deals", opps)):
        assert import_file(store, kind, path, now=NOW).format == "salesforce"
    with store.session() as s:
        ann = s.scalars(select(Contact)).one()
        assert ann.consent_email is False and ann.account_id is not None
        stages = {d.external_id: (d.stage, d.closed_at) for d in s.scalars(select(Deal))}
        assert stages["006A"] == ("won", datetime(2025, 7, 1))
        assert stages["006B"][0] == "lost" and stages["006C"] == ("open", None)
        lead = s.scalars(select(Lead)).one()
        assert all(d.lead_id == lead.id for d in s.scalars(select(Deal)))


def test_salesforce_unknown_account_id(store: Store, tmp_path: Path) -> None:
    contacts = write(tmp_path, "Contact.csv", "Id,AccountId,Email\n003A,001Z,ann@acme.com\n")
    with pytest.raises(ImportRowError, match="no imported account has the CRM id '001Z'"):
        import_file(store, "contacts", contacts, now=NOW)


def test_maven_real_data(store: Store) -> None:
    accounts = shared_data("maven-crm-sales-opportunities/accounts.csv")
    pipeline = shared_data("maven-crm-sales-opportunities/sales_pipeline.csv")

    def run() -> tuple[Any, Any]:
        return (
            import_file(store, "accounts", accounts, mapping=MAPPINGS / "maven-accounts.yaml",
                        now=NOW),
            import_file(store, "deals", pipeline, mapping=MAPPINGS / "maven-deals.yaml", now=NOW),
        )

    first_accounts, first_deals = run()
    assert (first_accounts.inserted, first_deals.inserted) == (85, 8800)
    with store.engine.connect() as conn:
        stages = dict(conn.execute(text("SELECT stage, count(*) FROM deals GROUP BY stage")).all())
        industries = {r[0] for r in conn.execute(text("SELECT DISTINCT industry FROM accounts"))}
        countries = {r[0] for r in conn.execute(text("SELECT DISTINCT country FROM accounts"))}
        no_account = conn.execute(
            text("SELECT count(*) FROM deals WHERE account_id IS NULL")).scalar()
        revenue = conn.execute(text(
            "SELECT annual_revenue FROM accounts WHERE name = 'Acme Corporation'")).scalar()
    assert stages == {"won": 4238, "lost": 2473, "open": 2089}
    assert "technology" in industries and "technolgy" not in industries
    assert "Philippines" in countries and "Philipines" not in countries
    assert no_account == 1425
    assert revenue == pytest.approx(1_100_040_000)
    before = snapshot(store)
    again_accounts, again_deals = run()
    assert snapshot(store) == before
    assert (again_accounts.unchanged, again_deals.unchanged) == (85, 8800)


def _events_file(tmp_path: Path, name: str, rows: list[str]) -> Path:
    return write(tmp_path, name, "event_id,type,occurred_at,email,account_domain,form_kind\n"
                 + "\n".join(rows) + "\n")


def test_lead_rules_hold_across_chunks(store: Store, tmp_path: Path) -> None:
    filler = [f"f{i},email_open,2026-01-10,,," for i in range(99)]
    rows = [
        "e1,page_view,2026-01-05,,globex.com,", *filler,                   # chunk 1
        "e2,form_submit,2026-01-06,carl@globex.com,,demo_request",          # chunk 2 takes it over
        *(f"g{i},email_open,2026-01-10,,," for i in range(99)),
        "e3,page_view,2026-01-07,,globex.com,",                             # chunk 3: a new one
        "e4,page_view,2025-12-01,carl@globex.com,,",                        # carl's first event
    ]
    result = import_file(store, "events", _events_file(tmp_path, "events.csv", rows), now=NOW,
                         chunk_rows=100)
    assert (result.inserted, result.leads_created, result.leads_converted) == (202, 2, 1)
    with store.session() as s:
        leads = {lead.key: lead for lead in s.scalars(select(Lead))}
        events = {e.event_id: e for e in s.scalars(
            select(Event).where(Event.event_id.in_(["e1", "e2", "e3", "e4"])))}
    carl, globex = leads["carl@globex.com"], leads["globex.com"]
    assert carl.created_at == datetime(2025, 12, 1)  # its earliest event, in a later chunk
    assert globex.created_at == datetime(2026, 1, 7) and globex.contact_id is None
    assert [events[e].lead_id for e in ("e1", "e2", "e3", "e4")] == [
        carl.id, carl.id, globex.id, carl.id]


def test_events_into_a_store_that_has_events(store: Store, tmp_path: Path) -> None:
    first = [f"e{i},page_view,2026-01-01,p{i % 7}@acme.com,," for i in range(150)]
    import_file(store, "events", _events_file(tmp_path, "a.csv", first), now=NOW, chunk_rows=100)
    second = [f"e{i},page_view,2026-01-02,p{i % 7}@acme.com,," for i in range(100, 250)]
    result = import_file(store, "events", _events_file(tmp_path, "b.csv", second), now=NOW,
                         chunk_rows=100)
    assert (result.inserted, result.unchanged, result.leads_created) == (100, 50, 0)
    with store.session() as s:
        assert len(s.scalars(select(Event.id)).all()) == 250
        e0 = s.scalars(select(Event).where(Event.event_id == "e0")).one()
        assert e0.occurred_at == datetime(2026, 1, 1)  # kept, not overwritten
