"""Email domains that do not name a company: free-mail (gmail.com…) and disposable
(mailinator.com…). A compact built-in list of the commonest; the full lists load from files.

>>> d = EmailDomains()
>>> d.kind("ann@gmail.com"), d.kind("bob@mailinator.com"), d.kind("cy@acme.com")
('free', 'disposable', None)
>>> d.company_domain("Cy@Mail.Acme.com")
'mail.acme.com'
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from leadqual.errors import InvalidInput

__all__ = ["BUILTIN_DISPOSABLE", "BUILTIN_FREE", "EmailDomains", "read_domain_list"]

BUILTIN_FREE = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo.de",
        "yahoo.co.jp",
        "yahoo.com.br",
        "ymail.com",
        "rocketmail.com",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "hotmail.de",
        "hotmail.it",
        "outlook.com",
        "outlook.fr",
        "outlook.de",
        "live.com",
        "live.co.uk",
        "live.fr",
        "msn.com",
        "windowslive.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "protonmail.com",
        "proton.me",
        "pm.me",
        "tutanota.com",
        "tuta.io",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "gmx.at",
        "web.de",
        "t-online.de",
        "freenet.de",
        "mail.com",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "ya.ru",
        "rambler.ru",
        "bk.ru",
        "list.ru",
        "inbox.ru",
        "qq.com",
        "163.com",
        "126.com",
        "sina.com",
        "sohu.com",
        "naver.com",
        "daum.net",
        "hanmail.net",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "laposte.net",
        "sfr.fr",
        "libero.it",
        "virgilio.it",
        "tiscali.it",
        "alice.it",
        "btinternet.com",
        "sky.com",
        "virginmedia.com",
        "ntlworld.com",
        "comcast.net",
        "verizon.net",
        "att.net",
        "sbcglobal.net",
        "bellsouth.net",
        "cox.net",
        "charter.net",
        "earthlink.net",
        "juno.com",
        "shaw.ca",
        "rogers.com",
        "sympatico.ca",
        "bigpond.com",
        "optusnet.com.au",
        "rediffmail.com",
        "zoho.com",
        "zohomail.com",
        "fastmail.com",
        "hushmail.com",
        "inbox.com",
        "lycos.com",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "onet.pl",
        "interia.pl",
        "uol.com.br",
        "bol.com.br",
        "terra.com.br",
        "hey.com",
        "duck.com",
    }
)
BUILTIN_DISPOSABLE = frozenset(
    {
        "mailinator.com",
        "guerrillamail.com",
        "guerrillamail.net",
        "sharklasers.com",
        "10minutemail.com",
        "tempmail.com",
        "temp-mail.org",
        "throwawaymail.com",
        "yopmail.com",
        "yopmail.fr",
        "trashmail.com",
        "getnada.com",
        "dispostable.com",
        "maildrop.cc",
        "mailnesia.com",
        "mintemail.com",
        "fakeinbox.com",
        "spamgourmet.com",
        "mohmal.com",
        "emailondeck.com",
        "tempr.email",
        "discard.email",
        "mailcatch.com",
        "33mail.com",
        "burnermail.io",
        "mytemp.email",
        "tempmailo.com",
        "moakt.com",
        "spam4.me",
        "grr.la",
    }
)


def read_domain_list(path: str | Path) -> set[str]:
    """Domains from a text file (one a line, ``#`` comments) or a JSON list of strings."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read the domain list {p}: {exc}", field="path") from exc
    if text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except ValueError as exc:
            raise InvalidInput(f"{p}: not a JSON list of domains ({exc})", field="path") from exc
        if not all(isinstance(i, str) for i in items):
            raise InvalidInput(f"{p}: expected a JSON list of domain strings", field="path")
        lines: Iterable[str] = items
    else:
        lines = (line.split("#", 1)[0] for line in text.splitlines())
    return {d.strip().lower().strip(".") for d in lines if d.strip()}


class EmailDomains:
    """Free-mail and disposable domains; ``kind`` names which (a subdomain of a listed domain
    counts too), ``company_domain`` gives the email's domain when it may name a company."""

    def __init__(
        self, free: Iterable[str] = BUILTIN_FREE, disposable: Iterable[str] = BUILTIN_DISPOSABLE
    ) -> None:
        self.free = frozenset(free) | BUILTIN_FREE
        self.disposable = frozenset(disposable) | BUILTIN_DISPOSABLE

    @classmethod
    def from_files(
        cls, free: Iterable[str | Path] = (), disposable: Iterable[str | Path] = ()
    ) -> EmailDomains:
        """The built-in lists plus the given files (e.g. freemail's ``free.txt`` and Kikobeats'
        ``domains.json`` as free, freemail's ``disposable.txt`` as disposable)."""
        free_set: set[str] = set()
        for path in free:
            free_set |= read_domain_list(path)
        disposable_set: set[str] = set()
        for path in disposable:
            disposable_set |= read_domain_list(path)
        return cls(free_set, disposable_set)

    def kind(self, email_or_domain: str) -> str | None:
        """``"disposable"``, ``"free"`` or ``None`` (may be a company)."""
        domain = email_or_domain.rsplit("@", 1)[-1].strip().lower().strip(".")
        parts = domain.split(".")
        for i in range(len(parts) - 1):
            candidate = ".".join(parts[i:])
            if candidate in self.disposable:
                return "disposable"
            if candidate in self.free:
                return "free"
        return None

    def company_domain(self, email: str) -> str | None:
        """The email's domain, or ``None`` when it is free-mail, disposable or malformed."""
        if "@" not in email:
            return None
        domain = email.rsplit("@", 1)[-1].strip().lower().strip(".")
        if "." not in domain or self.kind(domain) is not None:
            return None
        return domain
