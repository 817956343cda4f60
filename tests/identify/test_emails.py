"""Email domains that do not name a company, from the real lists in ../shared/data: free-mail
(Kikobeats, freemail) and disposable (freemail) domains are excluded from account linking."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadqual.errors import InvalidInput
from leadqual.identify.emails import EmailDomains, read_domain_list
from tests.conftest import shared_data

LISTS = "email-domains-and-bots"


@pytest.fixture(scope="module")
def domains() -> EmailDomains:
    return EmailDomains.from_files(
        free=[
            shared_data(f"{LISTS}/freemail-free.txt"),
            shared_data(f"{LISTS}/kikobeats-free-email-domains.json"),
        ],
        disposable=[shared_data(f"{LISTS}/freemail-disposable.txt")],
    )


def test_the_real_lists_load() -> None:
    assert len(read_domain_list(shared_data(f"{LISTS}/kikobeats-free-email-domains.json"))) > 13_000
    assert len(read_domain_list(shared_data(f"{LISTS}/freemail-free.txt"))) > 4_000
    assert len(read_domain_list(shared_data(f"{LISTS}/freemail-disposable.txt"))) > 80_000


@pytest.mark.parametrize(
    ("email", "kind"),
    [
        ("ann@gmail.com", "free"),
        ("ann@GMX.de", "free"),
        ("bob@mailinator.com", "disposable"),
        ("bob@guerrillamail.com", "disposable"),
        ("cy@acme.com", None),
        ("cy@mail.google.com", None),  # Google's own staff mail is a company's
    ],
)
def test_kinds(domains: EmailDomains, email: str, kind: str | None) -> None:
    assert domains.kind(email) == kind


def test_list_only_domains_are_excluded_from_account_linking(domains: EmailDomains) -> None:
    free = read_domain_list(shared_data(f"{LISTS}/freemail-free.txt"))
    disposable = read_domain_list(shared_data(f"{LISTS}/freemail-disposable.txt"))
    builtin = EmailDomains()
    only_listed = sorted(d for d in free | disposable if builtin.kind(d) is None)[:500]
    assert only_listed, "the files add domains beyond the built-in list"
    for domain in only_listed:
        assert domains.company_domain(f"someone@{domain}") is None, domain
        assert builtin.company_domain(f"someone@{domain}") == domain


def test_company_domains_are_kept(domains: EmailDomains) -> None:
    assert domains.company_domain("Cy@Sales.Acme.com ") == "sales.acme.com"
    assert domains.company_domain("no-at-sign") is None
    assert domains.company_domain("x@localhost") is None


def test_subdomains_of_listed_domains_count(domains: EmailDomains) -> None:
    assert domains.kind("x@eu.mailinator.com") == "disposable"


def test_bad_lists_say_so(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read"):
        read_domain_list(tmp_path / "absent.txt")
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InvalidInput, match="JSON list of domain strings"):
        read_domain_list(bad)
    text = tmp_path / "list.txt"
    text.write_text("# comment\nExample.org.  # trailing\n\n", encoding="utf-8")
    assert read_domain_list(text) == {"example.org"}
