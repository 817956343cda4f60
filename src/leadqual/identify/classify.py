"""What kind of organisation holds a network: a company, or one that is "not a company" (an ISP,
a mobile carrier, hosting/cloud, a VPN, education) — decided from a data source's own type field
where it has one, else from the organisation's name, always with the reason.

>>> classify_name("COMCAST-7922 - Comcast Cable Communications, Inc., US")
Kind(kind='isp', reason="the name looks like an ISP's ('cable')", shared=False)
>>> classify_name("GOOGLE - Google Inc., US").kind
'company'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["KINDS", "NOT_A_COMPANY", "Kind", "classify_name", "kind_from_hint", "short_name"]

KINDS = ("company", "isp", "mobile", "hosting", "vpn", "education", "unknown")
NOT_A_COMPANY = frozenset({"isp", "mobile", "hosting", "vpn", "education"})

# Checked in this order: the first kind with a matching keyword names the organisation. A VPN is
# often hosted, and a mobile carrier is an ISP too, so the narrower kinds come first. Names are
# lower-cased with every run of other characters turned into one space and padded with spaces, so
# a space in a keyword is a word boundary (" host" starts a word, " vpn " is a whole word); plain
# substring tests keep classifying tens of thousands of ASN names fast.
_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "vpn",
        (
            " vpn ",
            "proxy",
            "anonymi",
            " tor ",
            "nordvpn",
            "expressvpn",
            "private internet access",
            "mullvad",
            "hide my ass",
            "hidemyass",
            "surfshark",
            "protonvpn",
            "windscribe",
            "cyberghost",
            "hotspot shield",
        ),
    ),
    (
        "mobile",
        (
            "mobile",
            " mobil ",
            "movil",
            "wireless",
            "cellular",
            " gsm ",
            " lte ",
            " 3g ",
            " 4g ",
            " 5g ",
            "t mobile",
            "vodafone",
            "airtel",
            " jio ",
            "telcel",
            " mts ",
            "megafon",
            "beeline",
            "celcom",
            " mtn ",
            "safaricom",
        ),
    ),
    (
        "hosting",
        (
            "hosting",
            " host",
            "datacenter",
            "data cent",
            "datacentre",
            " cloud",
            "server",
            " colo",
            " vps ",
            "amazon",
            " aws ",
            "azure",
            "digitalocean",
            "digital ocean",
            "linode",
            " ovh",
            "hetzner",
            "leaseweb",
            "rackspace",
            "softlayer",
            "choopa",
            "vultr",
            "akamai",
            "cloudflare",
            "fastly",
            " cdn ",
            "contabo",
            "scaleway",
            "godaddy",
            "hostgator",
            "bluehost",
            "dreamhost",
            "alibaba",
            "tencent",
            "limelight",
            "edgecast",
            "incapsula",
            " dc ",
        ),
    ),
    (
        "education",
        (
            "universit",
            "universidad",
            "college",
            "school",
            "academ",
            "institute of technology",
            "polytechn",
            "research and education",
            " nren ",
            " janet ",
            " geant ",
            "internet2",
            " edu ",
            "educa",
            "campus",
        ),
    ),
    (
        "isp",
        (
            "telecom",
            "telekom",
            "telecommunica",
            "telefon",
            " tele",
            "communications",
            "broadband",
            " cable",
            " isp ",
            "internet service",
            "internet access",
            " dsl ",
            "fibre",
            "fiber",
            " ftth ",
            "comcast",
            "verizon",
            " at&t ",
            " att ",
            "charter",
            "spectrum",
            "cox com",
            "centurylink",
            "frontier",
            "rogers",
            " shaw ",
            "bell canada",
            "chinanet",
            "unicom",
            "orange",
            "free sas",
            " bt ",
            "virgin media",
            "sky broadband",
            "swisscom",
            "proximus",
            " kpn ",
            "telia",
            "telenor",
            " netcom",
            " pldt ",
            " vnpt ",
            "viettel",
            " tmnet ",
            "rostelecom",
            "ertelecom",
            " kt corp",
            "sk broadband",
            " lg u",
            " ntt ",
            "kddi",
            "softbank",
            " bsnl ",
            " telmex ",
            " oi ",
            " claro ",
            "internet provider",
            "provedor",
            " wisp ",
        ),
    ),
)
_SHARED = (
    " group ",
    "holding",
    "consorti",
    "association",
    " exchange ",
    " ix ",
    "cooperative",
    "co operative",
    "federation",
    " network services ",
    " managed services ",
    " solutions ",
    " government ",
    "ministry",
    " region ",
    " county ",
    " city of ",
    "municipal",
)
_NOT_WORD = re.compile(r"[^a-z0-9&]+")
_HANDLE = re.compile(r"[-_.0-9A-Za-z]+")  # a registry handle: one token, no spaces
_COUNTRY = re.compile(r",\s*[A-Z]{2}$")

# A source's own type fields (IPinfo's ``type``, DB-IP's ``usage_type``/``connection_type``,
# MaxMind's connection types) → our kinds.
_HINTS = {
    "business": "company",
    "corporate": "company",
    "company": "company",
    "government": "company",
    "isp": "isp",
    "residential": "isp",
    "cable/dsl": "isp",
    "dialup": "isp",
    "hosting": "hosting",
    "datacenter": "hosting",
    "data center": "hosting",
    "cdn": "hosting",
    "content delivery network": "hosting",
    "education": "education",
    "college": "education",
    "university": "education",
    "cellular": "mobile",
    "mobile": "mobile",
    "vpn": "vpn",
    "proxy": "vpn",
}


@dataclass(frozen=True)
class Kind:
    """A kind of organisation with why it was chosen; ``shared`` when the name looks like one
    many organisations share (its company matches are less certain)."""

    kind: str
    reason: str
    shared: bool = False


def short_name(name: str) -> str:
    """An ASN registry name without its handle and country: ``"GOOGLE - Google Inc., US"`` →
    ``"Google Inc."``."""
    text = name.strip()
    if " - " in text:
        head, tail = text.split(" - ", 1)
        if head and (head.isupper() or _HANDLE.fullmatch(head)):
            text = tail
    text = _COUNTRY.sub("", text).strip()
    return text or name.strip()


def kind_from_hint(hint: str | None) -> str | None:
    """Our kind for a data source's own type field (``None`` when it has none we know)."""
    if not hint:
        return None
    return _HINTS.get(hint.strip().lower())


def classify_name(name: str | None, hint: str | None = None) -> Kind:
    """The kind of the organisation called ``name``: the source's ``hint`` wins when it names a
    kind, then the first matching name pattern, else a company."""
    if not name or not name.strip():
        return Kind("unknown", "no organisation is known for this network")
    hinted = kind_from_hint(hint)
    if hinted is not None and hinted != "company":
        return Kind(hinted, f"the data source types this network as {hint!r}")
    text = f" {_NOT_WORD.sub(' ', name.lower()).strip()} "
    for kind, keywords in _KEYWORDS:
        found = _first_in(keywords, text)
        if found is not None:
            label = {
                "isp": "ISP's",
                "mobile": "mobile carrier's",
                "hosting": "hosting or cloud provider's",
                "vpn": "VPN's",
                "education": "school's or university's",
            }[kind]
            return Kind(kind, f"the name looks like {_a(label)} ({found.strip()!r})")
    shared = _first_in(_SHARED, text) is not None
    if hinted == "company":
        return Kind("company", f"the data source types this network as {hint!r}", shared)
    reason = "the network is registered to this organisation itself"
    if shared:
        reason += ", but the name looks shared by several organisations"
    return Kind("company", reason, shared)


def _a(label: str) -> str:
    return f"an {label}" if label[0].lower() in "aeiou" or label.startswith("ISP") else f"a {label}"


def _first_in(keywords: tuple[str, ...], text: str) -> str | None:
    for keyword in keywords:
        if keyword in text:
            return keyword
    return None
