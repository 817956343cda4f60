"""The canonical import columns of each kind, and the cheap per-value converters that check them.

A converter takes one raw cell (a string from CSV, or a JSON value from JSONL) that is not empty and
returns the typed value, or raises ``BadValue`` with a reason and a hint. Converters are plain
functions chosen once per column, so validating a row costs a handful of function calls.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "DEAL_STAGES",
    "EVENT_TYPES",
    "FORM_KINDS",
    "KINDS",
    "PAGE_TYPES",
    "BadValue",
    "Field",
    "KindSpec",
    "attribute_converter",
    "closest",
    "convert_all",
    "converter",
    "normalise_domain",
    "normalise_email",
    "page_type_of",
]

EVENT_TYPES = ("page_view", "form_submit", "email_open", "email_click", "meeting")
PAGE_TYPES = ("home", "pricing", "product", "docs", "blog", "careers", "about", "other")
FORM_KINDS = (
    "content_download", "demo_request", "contact_sales", "webinar", "newsletter", "other",
)
DEAL_STAGES = ("open", "won", "lost")
DEPARTMENTS = ("marketing", "sales", "engineering", "it")


class BadValue(ValueError):
    """A cell that does not convert: ``reason`` says why, ``hint`` what to do."""

    def __init__(self, reason: str, hint: str = "") -> None:
        super().__init__(reason)
        self.reason, self.hint = reason, hint


@dataclass(frozen=True)
class Field:
    """One canonical column: its name, value type, whether it is required, its allowed values."""

    name: str
    type: str  # str | int | float | bool | datetime | multi | domain | email | enum
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class KindSpec:
    """The canonical columns of one import kind; ``key`` is its natural key column."""

    kind: str
    key: str
    fields: tuple[Field, ...]
    allows_attributes: bool

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


_ACCOUNT = (
    Field("domain", "domain", required=True), Field("name", "str"), Field("industry", "str"),
    Field("employees", "int"), Field("annual_revenue", "float"), Field("country", "str"),
    Field("technologies", "multi"), Field("monthly_visits", "int"), Field("ad_spend", "float"),
    *(Field(f"dept_{d}", "int") for d in DEPARTMENTS),
    Field("external_id", "str"), Field("created_at", "datetime"),
)
_CONTACT = (
    Field("email", "email", required=True), Field("account_domain", "domain"),
    Field("account_external_id", "str"), Field("first_name", "str"), Field("last_name", "str"),
    Field("job_title", "str"), Field("consent_email", "bool"), Field("consent_tracking", "bool"),
    Field("external_id", "str"), Field("created_at", "datetime"),
)
_EVENT = (
    Field("event_id", "str", required=True), Field("type", "enum", True, EVENT_TYPES),
    Field("occurred_at", "datetime", required=True), Field("email", "email"),
    Field("account_domain", "domain"), Field("visitor_id", "str"), Field("url", "str"),
    Field("path", "str"), Field("page_type", "enum", choices=PAGE_TYPES), Field("referrer", "str"),
    Field("title", "str"), Field("dwell_ms", "int"),
    Field("form_kind", "enum", choices=FORM_KINDS), Field("source", "str"),
)
_DEAL = (
    Field("deal_id", "str", required=True), Field("account_domain", "domain"),
    Field("account_external_id", "str"), Field("contact_email", "email"),
    Field("contact_external_id", "str"), Field("name", "str"), Field("amount", "float"),
    Field("stage", "enum", True, DEAL_STAGES), Field("created_at", "datetime"),
    Field("closed_at", "datetime"),
)

KINDS: dict[str, KindSpec] = {
    "accounts": KindSpec("accounts", "domain", _ACCOUNT, allows_attributes=True),
    "contacts": KindSpec("contacts", "email", _CONTACT, allows_attributes=False),
    "events": KindSpec("events", "event_id", _EVENT, allows_attributes=True),
    "deals": KindSpec("deals", "deal_id", _DEAL, allows_attributes=True),
}


def closest(word: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """The valid name nearest to ``word``, if any is close.

    >>> closest("technolgy", ["technology", "retail"])
    'technology'
    """
    found = difflib.get_close_matches(str(word).lower(), list(choices), n=1, cutoff=0.5)
    return found[0] if found else None


def normalise_domain(value: str) -> str:
    """A bare lower-case host name from a domain or URL.

    >>> normalise_domain("https://www.Acme.com/x"), normalise_domain("www.com")
    ('acme.com', 'www.com')
    """
    text = value.strip().lower()
    text = urlsplit(text).netloc if "//" in text else text.split("/", 1)[0]
    text = text.rsplit("@", 1)[-1].split(":", 1)[0].strip(".")
    if text.startswith("www.") and "." in text[4:]:  # `www.com` itself is a domain
        text = text[4:]
    return text


_DOMAIN_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(value: str) -> str:
    """A trimmed, lower-case email address.

    >>> normalise_email("  Ann@Acme.COM ")
    'ann@acme.com'
    """
    return value.strip().lower()


_PAGE_RULES = (
    ("pricing", ("/pricing", "/plans")),
    ("docs", ("/docs", "/documentation", "/api")),
    ("blog", ("/blog", "/news", "/articles")),
    ("careers", ("/careers", "/jobs")),
    ("about", ("/about", "/company", "/team", "/contact")),
    ("product", ("/product", "/features", "/solutions", "/integrations")),
)


@lru_cache(maxsize=4096)  # paths repeat: a site has few distinct pages
def page_type_of(path: str | None) -> str | None:
    """The page type derived from a URL path (``None`` when there is no path).

    >>> page_type_of("/"), page_type_of("/pricing/teams"), page_type_of("/x")
    ('home', 'pricing', 'other')
    """
    if path is None:
        return None
    p = path.split("?", 1)[0].split("#", 1)[0].lower().rstrip("/")
    if p in ("", "/index.html", "/home"):
        return "home"
    for page_type, prefixes in _PAGE_RULES:
        if p.startswith(prefixes):
            return page_type
    return "other"


def _as_str(v: Any) -> str | None:
    s = v.strip() if isinstance(v, str) else str(v)
    return s or None


def _as_int(v: Any) -> int:
    if isinstance(v, bool):
        raise BadValue(f"{v!r} is not a whole number")
    if isinstance(v, int):
        return v
    try:
        return int(v)
    except (TypeError, ValueError):
        pass
    try:
        f = float(str(v).replace(",", ""))
    except ValueError:
        raise BadValue(f"{v!r} is not a whole number", "write digits only, e.g. 250") from None
    if not f.is_integer():
        raise BadValue(f"{v!r} is not a whole number", "round it, e.g. 250")
    return int(f)


def _as_float(v: Any) -> float:
    if isinstance(v, bool):
        raise BadValue(f"{v!r} is not a number")
    if isinstance(v, int | float):
        return float(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        pass
    try:
        return float(str(v).replace(",", "").replace("$", "").strip())
    except ValueError:
        raise BadValue(f"{v!r} is not a number", "write a plain number, e.g. 1250000.50") from None


_TRUE = frozenset({"true", "yes", "1", "y", "t"})
_FALSE = frozenset({"false", "no", "0", "n", "f"})


def _as_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise BadValue(f"{v!r} is not a boolean", "use true/false, yes/no or 1/0")


def _as_datetime(v: Any) -> datetime:
    s = v.strip() if isinstance(v, str) else str(v)
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        raise BadValue(
            f"{v!r} is not an ISO-8601 timestamp",
            "write e.g. 2026-03-01T12:30:00, 2026-03-01 or 2026-03-01T12:30:00Z",
        ) from None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


def _as_multi(v: Any) -> list[str]:
    if isinstance(v, list):
        items = [str(x).strip() for x in v]
    else:
        items = [x.strip() for x in str(v).split(";")]
    return [x for x in items if x]


def _as_domain(v: Any) -> str:
    if isinstance(v, str):
        return _domain(v)
    try:
        return _domain(str(v))
    except BadValue as exc:  # name the JSON value as it was written
        raise BadValue(f"{v!r} is not a web domain", exc.hint) from None


def _as_email(v: Any) -> str:
    if isinstance(v, str):
        return _email(v)
    try:
        return _email(str(v))
    except BadValue as exc:
        raise BadValue(f"{v!r} is not an email address", exc.hint) from None


# Memoised: a file names the same companies and people over and over.
@lru_cache(maxsize=65_536)
def _domain(text: str) -> str:
    d = normalise_domain(text)
    if not _DOMAIN_RE.match(d):
        raise BadValue(f"{text!r} is not a web domain", "write the company's domain, e.g. acme.com")
    return d


@lru_cache(maxsize=65_536)
def _email(text: str) -> str:
    e = normalise_email(text)
    if not _EMAIL_RE.match(e):
        raise BadValue(f"{text!r} is not an email address", "write e.g. ann@acme.com")
    return e


def _enum(choices: tuple[str, ...]) -> Callable[[Any], str]:
    allowed = frozenset(choices)

    def convert(v: Any) -> str:
        s = str(v).strip()
        if s in allowed:
            return s
        low = s.lower()
        if low in allowed:
            return low
        near = closest(s, choices)
        hint = f"did you mean {near!r}? " if near else ""
        raise BadValue(f"{s!r} is not one of {', '.join(choices)}", f"{hint}use one of those")

    return convert


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "str": _as_str, "int": _as_int, "float": _as_float, "bool": _as_bool,
    "datetime": _as_datetime, "multi": _as_multi, "domain": _as_domain, "email": _as_email,
}


def converter(field: Field) -> Callable[[Any], Any]:
    """The converter of a canonical field (``attr.*`` columns are kept as trimmed strings).

    >>> converter(Field("employees", "int"))("250")
    250
    """
    if field.type == "enum":
        return _enum(field.choices)
    return _CONVERTERS[field.type]


def convert_all(convert: Callable[[Any], Any], cells: Iterable[Any], *, text: bool
                ) -> list[Any]:
    """A column of raw cells converted, empty cells (``None`` or ``""``) as ``None``. ``text``
    says every cell is a string (a plain CSV column), which allows a quicker loop.

    >>> convert_all(converter(Field("n", "int")), ["1", "", "3"], text=True)
    [1, None, 3]
    """
    if text:
        if convert is _as_str:
            return [v.strip() or None for v in cells]
        return [convert(v) if v else None for v in cells]
    return [None if v is None or v == "" else convert(v) for v in cells]


def attribute_converter(v: Any) -> Any:
    """Free-form attributes keep JSON values as they are and trim strings."""
    return v.strip() if isinstance(v, str) else v
