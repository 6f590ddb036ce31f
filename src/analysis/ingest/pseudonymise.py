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
#: Minimum key length in bytes (UTF-8). NIST SP 800-107 Rev. 1 (section 5.3.4) asks for an HMAC key whose security
#: strength is at least the strength required, and NIST SP 800-131A Rev. 2 sets 112 bits as the minimum; 16 bytes
#: (128 bits when random) is the smallest whole number of bytes above it. A shorter key could be found by trying
#: every key against a known reference.
MIN_KEY_BYTES = 16
MIN_KEY_LENGTH = MIN_KEY_BYTES  # the name earlier code used
#: Minimum number of different characters in the key: a random 16-character key almost always has far more
#: (32 random hex digits have fewer than 8 with probability below one in a million), while keys a person picks
#: ("aaaaaaaaaaaaaaaa", sixteen spaces, "passwordpassword", "1234567812345678") have fewer. NIST SP 800-132
#: (section 5.3) likewise asks that keying material come from a random source, not be chosen by a person.
MIN_DISTINCT_CHARACTERS = 8
DIGEST_HEX_DIGITS = 20
METHOD = "HMAC-SHA256 keyed hash"
_ADVICE = ("Make a random key, for example with `python -c \"import secrets; print(secrets.token_urlsafe(32))\"`, and "
           f"set it for this command only (`read -rs {KEY_ENV} && export {KEY_ENV}`); never write the key into a file in "
           "the repository.")


class PseudonymisationError(Exception):
    """The key is missing, not text, or too weak, or two identifiers would get the same pseudonym."""


def check_key(key: str | bytes) -> bytes:
    """The key as UTF-8 bytes, or PseudonymisationError saying why it cannot be used.

    Refused: an empty key; a key that is not valid UTF-8 text; a key of only white space, or with white space
    around it (a key pasted with a line break would give different pseudonyms from the same key typed); a key of
    fewer than MIN_KEY_BYTES bytes or fewer than MIN_DISTINCT_CHARACTERS different characters.
    """
    if isinstance(key, bytes):
        try:
            text = key.decode("utf-8")
        except UnicodeDecodeError:
            raise PseudonymisationError(f"the key in {KEY_ENV} is not valid UTF-8 text, so it could not be read the same way "
                                        f"every time. {_ADVICE}") from None
    else:
        text = key
        try:
            key = text.encode("utf-8")
        except UnicodeEncodeError:  # the environment held bytes that are not UTF-8 (decoded with surrogateescape)
            raise PseudonymisationError(f"the key in {KEY_ENV} is not valid UTF-8 text, so it could not be read the same way "
                                        f"every time. {_ADVICE}") from None
    if not text:
        raise PseudonymisationError(f"--pseudonymise needs a secret key in the environment variable {KEY_ENV}, and it is not set. {_ADVICE}")
    if not text.strip():
        raise PseudonymisationError(f"the key in {KEY_ENV} is only white space ({len(text)} characters), which anyone could "
                                    f"guess. {_ADVICE}")
    if text != text.strip():
        raise PseudonymisationError(f"the key in {KEY_ENV} begins or ends with white space (a space or a line break): the "
                                    "same key typed without it would give different pseudonyms. Remove it, or make a new key. "
                                    + _ADVICE)
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymisationError(f"the key in {KEY_ENV} is {len(key)} bytes long; use at least {MIN_KEY_BYTES} random "
                                    f"characters so that pseudonyms cannot be recomputed by trying keys. {_ADVICE}")
    distinct = len(set(text))
    if distinct < MIN_DISTINCT_CHARACTERS:
        raise PseudonymisationError(f"the key in {KEY_ENV} has only {distinct} different characters; a key with fewer than "
                                    f"{MIN_DISTINCT_CHARACTERS} is a pattern a person chose, not a random key, and could be "
                                    f"guessed. {_ADVICE}")
    return key


def key_from_environment(environ: Mapping[str, str] | Mapping[bytes, bytes] | None = None) -> bytes:
    """The pseudonymisation key from CSE_PSEUDONYM_KEY, checked by `check_key` (raises PseudonymisationError).

    The key is read as bytes (os.environb) where the platform has them, so a key that is not UTF-8 is refused
    with a message instead of failing later.
    """
    if environ is None:
        environ = os.environb if os.supports_bytes_environ else os.environ
    key = environ.get(KEY_ENV.encode() if environ is getattr(os, "environb", None) else KEY_ENV, "")
    return check_key(key)


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
