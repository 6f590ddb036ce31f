"""Replace a force's own identifiers with keyed pseudonyms at ingest, keeping every link between tables.

Method: HMAC-SHA256 (RFC 2104, FIPS 198-1) with a secret key read from the environment variable
`CSE_PSEUDONYM_KEY`; the key is never written anywhere by this project. Every identifier column of the contract
(type "id") except `force_code` is replaced. A foreign key is hashed in the domain of the column it refers to
(`offences.victim_id` in the domain `victims.victim_id`), so links between tables survive; the force code and the
domain are part of the hashed message, so the same reference in two forces, or an offence and a victim that
happen to share a reference, get unrelated pseudonyms. Without the key a pseudonym cannot be reversed or
recomputed from a guessed reference; with the same key, a resubmitted return gets the same pseudonyms.

A pseudonym is the column's stem and the first 20 hex digits (80 bits) of the digest, e.g. `victim_3f2a...`; a
collision inside one domain (which would merge two people) is checked for and stops ingestion of that force.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping

import pandas as pd

from analysis.contract import TABLES

KEY_ENV = "CSE_PSEUDONYM_KEY"
#: A shorter key could be found by trying every key against a known reference.
MIN_KEY_LENGTH = 16
DIGEST_HEX_DIGITS = 20
METHOD = "HMAC-SHA256 keyed hash"


class PseudonymisationError(Exception):
    """The key is missing or too short, or two identifiers would get the same pseudonym."""


def key_from_environment(environ: Mapping[str, str] | None = None) -> bytes:
    """The pseudonymisation key from CSE_PSEUDONYM_KEY (raises PseudonymisationError when unusable)."""
    environ = os.environ if environ is None else environ
    key = environ.get(KEY_ENV, "")
    if not key:
        raise PseudonymisationError(
            f"--pseudonymise needs a secret key in the environment variable {KEY_ENV}, and it is not set. "
            f"Set it for this command only (for example `read -rs {KEY_ENV} && export {KEY_ENV}`); never write "
            "the key into a file in the repository."
        )
    if len(key) < MIN_KEY_LENGTH:
        raise PseudonymisationError(
            f"the key in {KEY_ENV} is {len(key)} characters long; use at least {MIN_KEY_LENGTH} random characters "
            "so that pseudonyms cannot be recomputed by trying keys."
        )
    return key.encode("utf-8")


def identifier_domains() -> dict[tuple[str, str], tuple[str, str]]:
    """(table, column) of every identifier to replace -> the (table, column) whose values it holds."""
    domains = {}
    for table in TABLES.values():
        for column in table.columns:
            if column.type != "id" or column.name == "force_code":
                continue
            domains[(table.name, column.name)] = column.references or (table.name, column.name)
    return domains


def pseudonym(key: bytes, force_code: str, domain: tuple[str, str], value: str) -> str:
    """The pseudonym of one identifier value (see the module docstring)."""
    message = "\x1f".join((force_code, *domain, value)).encode("utf-8")
    digest = hmac.new(key, message, hashlib.sha256).hexdigest()[:DIGEST_HEX_DIGITS]
    stem = domain[1].removesuffix("_id")
    return f"{stem}_{digest}"


def pseudonymise(tables: dict[str, pd.DataFrame], force_code: str, key: bytes) -> dict[str, pd.DataFrame]:
    """Replace every identifier (except force_code) of one force's canonical tables; returns new frames."""
    out = dict(tables)
    by_domain: dict[tuple[str, str], dict[str, str]] = {}
    for (table, column), domain in identifier_domains().items():
        frame = out[table]
        values = frame[column]
        present = values.dropna().unique().tolist()
        mapping = by_domain.setdefault(domain, {})
        for value in present:
            if value not in mapping:
                mapping[value] = pseudonym(key, force_code, domain, str(value))
        out[table] = frame.assign(**{column: values.map(mapping).astype(values.dtype)})
    for domain, mapping in by_domain.items():
        if len(set(mapping.values())) != len(mapping):
            raise PseudonymisationError(f"two different {domain[1]} values got the same pseudonym; report this fault.")
    return out
