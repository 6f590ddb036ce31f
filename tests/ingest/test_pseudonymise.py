"""Pseudonymisation at ingest: keyed, consistent across tables, never keeps a force's own identifiers."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd
import pytest

from analysis import returns_io
from analysis.cli import main
from analysis.contract import TABLES
from analysis.ingest import ingest_directory
from analysis.ingest.pseudonymise import (
    KEY_ENV,
    PseudonymisationError,
    identifier_domains,
    key_from_environment,
    pseudonym,
    pseudonymise,
)
from fixtures.valid_return import as_force, typed

from .helpers import normalisations, write_csv_folder, write_xlsx

KEY = b"correct horse battery staple 42"


def _ingest(tmp_path, key, name="out"):
    returns = tmp_path / "returns"
    if not returns.exists():
        returns.mkdir()
        write_xlsx(returns, "SYN01")
        tables = as_force("SYN02")
        tables["suspects"].loc[0, "suspect_id"] = " S1"  # a correction whose example must not reveal the identifier
        write_csv_folder(returns, "SYN02", tables)
    results = ingest_directory(returns, tmp_path / name, tmp_path / f"{name}_reports", key=key)
    assert all(r.passed for r in results), [r.issues for r in results]
    return {code: returns_io.read_force(tmp_path / name, code) for code in ("SYN01", "SYN02")}


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    root = tmp_path_factory.mktemp("pseudo")
    return root, _ingest(root, KEY)


def test_domains_cover_every_identifier_but_force_code():
    domains = identifier_domains()
    expected = {(t.name, c.name) for t in TABLES.values() for c in t.columns if c.type == "id" and c.name != "force_code"}
    assert set(domains) == expected
    assert domains[("offences", "victim_id")] == ("victims", "victim_id")
    assert domains[("victims", "victim_id")] == ("victims", "victim_id")


def test_pseudonym_is_hmac_sha256_of_force_domain_and_value():
    digest = hmac.new(KEY, "SYN01\x1fvictims\x1fvictim_id\x1fV1".encode(), hashlib.sha256).hexdigest()
    assert pseudonym(KEY, "SYN01", ("victims", "victim_id"), "V1") == f"victim_{digest[:20]}"


def test_no_original_identifier_remains(stored):
    _, forces = stored
    original = as_force("SYN01")
    for (table, column) in identifier_domains():
        given = set(original[table][column]) - {""}
        kept = set(forces["SYN01"][table][column].dropna())
        assert not given & kept, (table, column)
        assert len(kept) == len(given)  # distinct identifiers stay distinct
        assert all(v.startswith(column.removesuffix("_id") + "_") for v in kept)
    assert set(forces["SYN01"]["offences"]["force_code"]) == {"SYN01"}  # the force code is public and kept


def test_links_between_tables_are_kept(stored):
    _, forces = stored
    for tables in forces.values():
        for (table, column), (target_table, target_column) in identifier_domains().items():
            values = set(tables[table][column].dropna())
            assert values <= set(tables[target_table][target_column].dropna()), (table, column)
        # the same offence has the same pseudonym wherever it appears
        links = tables["offence_suspects"].merge(tables["offences"], on="offence_id")
        assert len(links) == 4


def test_blanks_stay_blank_and_other_values_are_untouched(stored):
    _, forces = stored
    source = typed(as_force("SYN01"))
    offences = forces["SYN01"]["offences"]
    assert offences["network_id"].isna().tolist() == source["offences"]["network_id"].isna().tolist()
    pd.testing.assert_frame_equal(offences.drop(columns=["offence_id", "network_id", "victim_id"]),
                                  source["offences"].drop(columns=["offence_id", "network_id", "victim_id"]))


def test_same_key_same_pseudonyms_other_key_or_force_different(stored):
    _, forces = stored
    source = typed(as_force("SYN01"))
    # the stored pseudonyms are exactly the keyed hashes of the source references (so a resubmission matches)
    expected = [pseudonym(KEY, "SYN01", ("victims", "victim_id"), v) for v in source["offences"]["victim_id"]]
    assert forces["SYN01"]["offences"]["victim_id"].tolist() == expected
    again = pseudonymise(source, "SYN01", KEY)
    pd.testing.assert_frame_equal(again["victims"], forces["SYN01"]["victims"])
    other = pseudonymise(source, "SYN01", b"a different key of some length")
    assert not set(other["victims"]["victim_id"]) & set(forces["SYN01"]["victims"]["victim_id"])
    # the two forces share references (V1, O1, ...) but not pseudonyms
    assert not set(forces["SYN01"]["victims"]["victim_id"]) & set(forces["SYN02"]["victims"]["victim_id"])


def test_report_says_pseudonymised_and_withholds_identifiers(stored):
    root, _ = stored
    md = (root / "out_reports" / "SYN02" / "errors.md").read_text()
    assert "Identifiers pseudonymised: yes (HMAC-SHA256 keyed hash; the key is not stored)" in md
    notes = normalisations(root / "out_reports", "SYN02")
    spaces = notes[(notes["table"] == "suspects") & (notes["column"] == "suspect_id") & (notes["kind"] == "correction")]
    assert spaces[["normalisation", "example_before", "example_after"]].values.tolist() == [
        ["surrounding spaces removed", "(withheld: pseudonymised return)", "(withheld: pseudonymised return)"]]
    applied = notes[notes["normalisation"] == "identifier replaced by a pseudonym (HMAC-SHA256 keyed hash)"]
    assert set(zip(applied["table"], applied["column"], strict=True)) == set(identifier_domains())
    assert applied.set_index(["table", "column"]).loc[("offences", "network_id"), "rows_affected"] == "3"
    summary = pd.read_csv(root / "out_reports" / "summary.csv", dtype=str)
    assert summary["pseudonymised"].tolist() == ["True", "True"]
    assert KEY.decode() not in md + notes.to_csv()


def test_key_comes_from_the_environment_only():
    with pytest.raises(PseudonymisationError, match=f"needs a secret key in the environment variable {KEY_ENV}"):
        key_from_environment({})
    with pytest.raises(PseudonymisationError, match="is 5 bytes long; use at least 16"):
        key_from_environment({KEY_ENV: "short"})
    assert key_from_environment({KEY_ENV: KEY.decode()}) == KEY


def test_command_fails_clearly_without_the_key(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(KEY_ENV, raising=False)
    returns = tmp_path / "returns"
    returns.mkdir()
    write_xlsx(returns, "SYN01")
    code = main(["ingest", "--returns", str(returns), "--out", str(tmp_path / "out"), "--pseudonymise"])
    assert code == 2
    assert f"error: --pseudonymise needs a secret key in the environment variable {KEY_ENV}" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()
    monkeypatch.setenv(KEY_ENV, KEY.decode())
    assert main(["ingest", "--returns", str(returns), "--out", str(tmp_path / "out"), "--pseudonymise"]) == 0
    assert returns_io.read_force(tmp_path / "out", "SYN01")["victims"]["victim_id"].str.startswith("victim_").all()
