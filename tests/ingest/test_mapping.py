from __future__ import annotations

from pathlib import Path

import pytest

from leadqual.errors import ImportRowError, InvalidInput
from leadqual.ingest.fields import KINDS
from leadqual.ingest.mapping import compile_plan, load_mapping, slug

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_slug() -> None:
    assert slug("  Genco Pura Olive Oil Company ") == "genco-pura-olive-oil-company"


def test_unknown_canonical_field_names_the_closest(tmp_path: Path) -> None:
    path = _write(tmp_path, "columns:\n  industy: sector\n")
    with pytest.raises(InvalidInput, match="did you mean 'industry'"):
        load_mapping(path, "accounts")


@pytest.mark.parametrize(
    ("text", "message"),
    [("columns: [a]\n", "columns:"),
     ("kind: deals\ncolumns: {name: a}\n", "this mapping is for 'deals'"),
     ("columns:\n  name: {form: a}\n", "did you mean 'from'"),
     ("columns:\n  employees: {from: a, scale: lots}\n", "'scale' must be a number"),
     ("columns:\n  domain: '{a|upper}.com'\n", "unknown filter 'upper'"),
     ("columns: {a: [\n", "not valid YAML")],
)
def test_bad_mapping_files_are_refused_clearly(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        load_mapping(_write(tmp_path, text), "accounts")


def test_plan_applies_rename_map_scale_template_and_constant(tmp_path: Path) -> None:
    path = _write(tmp_path, """
columns:
  domain: "{co|strip|slug}.example"
  name: co
  industry: {from: sector, map: {technolgy: technology}}
  annual_revenue: {from: rev, scale: 1000000}
  country: {value: Kenya}
  attr.size: size
""")
    mapping = load_mapping(path, "accounts")
    columns = ("co", "sector", "rev", "size")
    plan, ignored = compile_plan(mapping, KINDS["accounts"], columns, "csv", "x.csv")
    assert ignored == []
    row = [" Acme Corp", "technolgy", "1.5", "big"]
    got = {p.target: p.convert(p.get(row)) for p in plan}
    assert got["domain"] == "acme-corp.example"
    assert got["industry"] == "technology"
    assert got["country"] == "Kenya"
    assert got["attr.size"] == "big"
    empty = ["", "retail", "", ""]
    assert next(p for p in plan if p.target == "domain").get(empty) is None


def test_plan_names_a_missing_mapped_column() -> None:
    mapping = load_mapping(MAPPINGS / "maven-accounts.yaml", "accounts")
    with pytest.raises(ImportRowError) as err:
        compile_plan(mapping, KINDS["accounts"], ("account", "revenue"), "csv", "a.csv")
    assert err.value.row == 1
    assert "'sector'" in str(err.value) and "'account', 'revenue'" in str(err.value)
