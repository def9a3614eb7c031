"""The issuer's Ed25519 signing key: a PEM file whose path comes from the configuration
(CREDENTIALS_KEY_FILE), created and rotated by `flask credentials …`. Only the public half
reaches the database (CredentialKey, published as JWKS); the private key is never logged."""
from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from sqlalchemy import select

from core.timeutil import utcnow
from extensions import db

from awards import AwardsError
from awards.models import CredentialKey


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(public_key: Ed25519PublicKey) -> dict:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}
    # RFC 7638 thumbprint: the members in lexicographic order, no whitespace.
    thumbprint = hashlib.sha256(json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()).digest()
    return {**jwk, "kid": b64url(thumbprint), "alg": "EdDSA", "use": "sig"}


def key_path() -> Path:
    return Path(current_app.config["CREDENTIALS_KEY_FILE"])


def _write_private_key(path: Path, key: Ed25519PrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    os.replace(temporary, path)


def generate_key(*, rotate: bool = False) -> str:
    """Create the signing key (or, with `rotate`, replace it: the old public key stays published
    as retired so that what it signed still verifies). Returns the new key id."""
    path = key_path()
    if path.exists() and not rotate:
        raise AwardsError(f"Une clé de signature existe déjà ({path}) : utilisez « flask credentials rotate ».", 409)
    if not path.exists() and rotate:
        raise AwardsError("Aucune clé de signature à remplacer : utilisez « flask credentials generate ».", 409)
    key = Ed25519PrivateKey.generate()
    jwk = public_jwk(key.public_key())
    now = utcnow()
    for old in db.session.scalars(select(CredentialKey).where(CredentialKey.retired_at.is_(None))):
        old.retired_at = now
    db.session.add(CredentialKey(kid=jwk["kid"], public_jwk=jwk, created_at=now))
    db.session.flush()
    _write_private_key(path, key)
    db.session.commit()
    return jwk["kid"]


def signing_key() -> tuple[Ed25519PrivateKey, str] | None:
    """The current private key and its id, or None when none was generated yet. Its public half
    is published (registered) if the database does not know it yet."""
    path = key_path()
    if not path.is_file():
        return None
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise AwardsError("La clé de signature configurée n'est pas une clé Ed25519.", 500)
    jwk = public_jwk(key.public_key())
    if db.session.scalar(select(CredentialKey).where(CredentialKey.kid == jwk["kid"])) is None:
        db.session.add(CredentialKey(kid=jwk["kid"], public_jwk=jwk))
        db.session.commit()
    return key, jwk["kid"]


def published_keys() -> list[CredentialKey]:
    return list(db.session.scalars(select(CredentialKey).order_by(CredentialKey.id)))


def jwks() -> dict:
    return {"keys": [k.public_jwk for k in published_keys()]}


def public_key_of(kid: str) -> Ed25519PublicKey | None:
    row = db.session.scalar(select(CredentialKey).where(CredentialKey.kid == kid))
    if row is None:
        return None
    return Ed25519PublicKey.from_public_bytes(b64url_decode(row.public_jwk["x"]))
