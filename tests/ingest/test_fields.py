from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadqual.ingest.fields import (
    BadValue,
    Field,
    converter,
    normalise_domain,
    page_type_of,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("https://www.Acme.com/x", "acme.com"), ("acme.com", "acme.com"),
     ("WWW.ACME.COM/", "acme.com"), ("http://shop.acme.co.uk:8080/a?b", "shop.acme.co.uk")],
)
def test_normalise_domain(raw: str, expected: str) -> None:
    assert normalise_domain(raw) == expected


@given(st.from_regex(r"[a-z][a-z0-9]{0,10}\.(com|io|co\.uk)", fullmatch=True),
       st.sampled_from(["", "http://", "https://www.", "HTTPS://"]),
       st.sampled_from(["", "/", "/pricing?x=1"]))
def test_normalise_domain_strips_scheme_www_and_path(host: str, prefix: str, suffix: str) -> None:
    assert normalise_domain(prefix + host.upper() + suffix) == host


def test_int_converter_names_the_bad_value() -> None:
    with pytest.raises(BadValue, match="'many' is not a whole number"):
        converter(Field("employees", "int"))("many")
    assert converter(Field("employees", "int"))("1,200") == 1200


def test_datetime_converter_stores_naive_utc() -> None:
    conv = converter(Field("t", "datetime"))
    assert conv("2026-03-01T12:30:00Z") == datetime(2026, 3, 1, 12, 30)
    assert conv("2026-03-01T14:30:00+02:00") == datetime(2026, 3, 1, 12, 30)
    assert conv("2026-03-01") == datetime(2026, 3, 1)


def test_enum_converter_suggests_the_closest_value() -> None:
    conv = converter(Field("type", "enum", choices=("page_view", "form_submit")))
    assert conv("Page_View") == "page_view"
    with pytest.raises(BadValue) as err:
        conv("form_submt")
    assert "form_submit" in err.value.hint


@pytest.mark.parametrize(("raw", "expected"), [("yes", True), ("0", False), ("TRUE", True)])
def test_bool_converter(raw: str, expected: bool) -> None:
    assert converter(Field("b", "bool"))(raw) is expected


def test_multi_converter_splits_csv_and_keeps_lists() -> None:
    conv = converter(Field("t", "multi"))
    assert conv("shopify; google analytics;") == ["shopify", "google analytics"]
    assert conv(["a", " b"]) == ["a", "b"]


def test_page_type_from_path() -> None:
    assert [page_type_of(p) for p in ("/", "/pricing", "/docs/api", "/blog/x", "/zzz")] == [
        "home", "pricing", "docs", "blog", "other"]
