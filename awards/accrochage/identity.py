"""A holder's identity for the declaration: the fields the Caisse des Dépôts asks for, encrypted
at rest with Fernet (AES-128-CBC and HMAC-SHA256, from `cryptography`) under a key from the
configuration (HOLDER_IDENTITY_KEY, or one derived from SECRET_KEY when it is empty).

Either the civil identity (birth name, usage name, first names, date of birth, sex, commune of
birth by INSEE or postal code, or country of birth) or the CPF dossier number with name and
first name. Never logged, never in the audit trail.
"""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass, fields

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

PURPOSE = (
    "Ces informations servent uniquement à déclarer votre certification à la Caisse des Dépôts et Consignations, "
    "qui l'inscrit dans votre Passeport de compétences (compte personnel de formation), comme la loi l'impose "
    "au certificateur. Seuls les administrateurs du certificateur les consultent."
)


def retention_notice() -> str:
    months = current_app.config["HOLDER_IDENTITY_RETENTION_MONTHS"]
    return (f"Elles sont chiffrées et conservées jusqu'à l'acceptation de la déclaration par la Caisse des Dépôts, "
            f"puis supprimées {months} mois après.")


@dataclass
class Identity:
    birth_name: str = ""
    usage_name: str = ""
    first_names: str = ""  # up to three, separated by spaces
    birth_year: str = ""
    birth_month: str = ""
    birth_day: str = ""
    sex: str = ""
    birth_insee: str = ""
    birth_postal_code: str = ""
    birth_commune: str = ""
    birth_country_code: str = ""
    birth_country: str = ""
    cpf_dossier: str = ""
    dossier_name: str = ""
    dossier_first_name: str = ""
    access_mode: str = "VAE"

    @classmethod
    def from_form(cls, form) -> Identity:
        return cls(**{f.name: (form.get(f.name) or "").strip() for f in fields(cls)})

    @property
    def by_dossier(self) -> bool:
        return bool(self.cpf_dossier)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Identity:
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def __repr__(self) -> str:  # never print an identity by accident (logs, tracebacks)
        return "Identity(<chiffrée>)"

    __str__ = __repr__


def _fernet() -> Fernet:
    key = current_app.config.get("HOLDER_IDENTITY_KEY") or ""
    if not key:
        digest = hashlib.sha256(b"probatio holder identity\0" + current_app.config["SECRET_KEY"].encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


def encrypt(identity: Identity) -> str:
    return _fernet().encrypt(identity.to_json().encode("utf-8")).decode("ascii")


def decrypt(ciphertext: str) -> Identity:
    try:
        return Identity.from_json(_fernet().decrypt(ciphertext.encode("ascii")).decode("utf-8"))
    except InvalidToken:
        raise ValueError("identity cannot be decrypted with the configured key") from None


def encrypt_text(text: str) -> str:
    return _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt_text(ciphertext: str) -> str:
    return _fernet().decrypt(ciphertext.encode("ascii")).decode("utf-8")
