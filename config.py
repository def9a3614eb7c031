"""Configuration read from environment variables, validated once at start.

Every setting has a sane embedded default (SQLite, local folder, on-disk index) so that
`make run` works on a fresh machine; production swaps parts by environment only.
A bad value raises ConfigError, which the factory turns into one readable line.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key"
MIN_SECRET_KEY_BYTES = 32
# A key of 32 random bytes, hex or base64, shows far more; "x" * 40 or "0123…" does not.
MIN_SECRET_KEY_DISTINCT = 10
STORAGE_BACKENDS = ("local", "minio")
SEARCH_BACKENDS = ("whoosh", "postgresql")
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    description: str


# The single source of truth for the README configuration table (see tests/core/test_config.py).
SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", "sqlite:///instance/probatio.db", "SQLAlchemy URL of the database (SQLite or PostgreSQL)."),
    Setting("STORAGE_BACKEND", "local", "Where evidence files are stored: `local` (folder) or `minio` (S3 API)."),
    Setting("STORAGE_DIR", "instance/objects", "Folder of the local object store."),
    Setting("MINIO_ENDPOINT", "127.0.0.1:9000", "host:port of the MinIO / S3 server."),
    Setting("MINIO_ACCESS_KEY", "", "Access key for MinIO."),
    Setting("MINIO_SECRET_KEY", "", "Secret key for MinIO (never logged)."),
    Setting("MINIO_BUCKET", "probatio", "Bucket holding the objects; created when missing."),
    Setting("MINIO_SECURE", "false", "`true` to talk HTTPS to MinIO."),
    Setting("MINIO_REGION", "us-east-1", "Region used to sign S3 requests."),
    Setting("SEARCH_BACKEND", "whoosh", "Full-text search: `whoosh` (an index folder on this node) or `postgresql` (a table of the database, shared by every node; needs a PostgreSQL `DATABASE_URL`)."),
    Setting("SEARCH_INDEX_DIR", "instance/search-index", "Folder of the Whoosh full-text index."),
    Setting("SEARCH_TIME_LIMIT", "0.12", "Seconds an unscoped search may spend collecting before it shows partial results."),
    Setting("JOBS_URL", "sqlite:///instance/jobs.db", "Background job queue: `sqlite:///path` or `redis://host:port/db`."),
    Setting("JOB_LEASE_SECONDS", "60", "Seconds a running job's lease lasts; its worker renews it, and a job whose lease expired is retried."),
    Setting("JOB_MAX_ATTEMPTS", "3", "Times a job is started before it is marked failed (a worker that died counts as one attempt)."),
    Setting("JOB_RETENTION_DAYS", "30", "Days a finished job is kept; older ones are deleted, with the export files only they reference."),
    Setting("SECRET_KEY", DEFAULT_SECRET_KEY, "Signs sessions and CSRF tokens; in production at least 32 random bytes (e.g. `secrets.token_hex(32)`)."),
    Setting("MAX_UPLOAD_MB", "512", "Largest accepted upload, in megabytes."),
    Setting("MAX_FILES_PER_REQUEST", "20", "Most files accepted in one upload request."),
    Setting("ALLOW_ARCHIVES", "false", "`true` to accept archives (zip, 7z, tar.gz) as evidence files."),
    Setting("PUBLIC_URL", "http://127.0.0.1:5000", "Address users reach the app at, used in links printed by commands."),
    Setting("TRUSTED_PROXIES", "0", "How many reverse proxies in front of the app append to `X-Forwarded-For` (and set `X-Forwarded-Proto`); 0 ignores those headers. The login throttle keys on the address they report."),
    Setting("UPLOAD_IDLE_TIMEOUT", "30", "Seconds an upload may go without receiving a byte before it is abandoned (nothing is kept)."),
    Setting("MAIL_URL", "", "Outgoing mail: `smtp://user:password@host:587?starttls=true` (or `smtps://…` for TLS from the start); unset, mails are written as `.eml` files under `MAIL_DIR`. The password is never logged."),
    Setting("MAIL_FROM", "Probatio <ne-pas-repondre@probatio.invalid>", "Sender address of every mail."),
    Setting("MAIL_DIR", "instance/mail", "Folder where mails are written when `MAIL_URL` is unset."),
    Setting("MAIL_MAX_ATTEMPTS", "4", "Times a mail is tried before it is marked failed and shown to admins (`/admin/courriels`)."),
    Setting("MAIL_RETRY_SECONDS", "60", "Seconds before the first retry of a mail; each further retry waits that much longer."),
    Setting("MAIL_DIGEST_HOUR", "7", "Hour (Europe/Paris) at which daily digests are sent."),
    Setting("CREDENTIALS_KEY_FILE", "instance/credentials/issuer-ed25519.pem", "Private Ed25519 key signing the Open Badges credentials (PEM, created by `flask credentials generate`, replaced by `flask credentials rotate`); never stored in the database."),
    Setting("HOLDER_IDENTITY_KEY", "", "Fernet key (urlsafe base64 of 32 bytes) encrypting holders' civil identity for the CDC declaration; empty derives one from `SECRET_KEY`."),
    Setting("HOLDER_IDENTITY_RETENTION_MONTHS", "12", "Months a holder's identity is kept after the Caisse des Dépôts accepted their declaration, then purged."),
    Setting("PROBATIO_ENV", "development", "`development` or `production` (production demands a strong secret key, marks cookies secure and sends Strict-Transport-Security: serve it over HTTPS)."),
)


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}={raw!r} n'est pas un booléen (attendu : true ou false).")


def _int(name: str, raw: str, minimum: int = 1) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} n'est pas un nombre entier.") from None
    if value < minimum:
        wanted = "un entier positif" if minimum == 1 else f"un entier d'au moins {minimum}"
        raise ConfigError(f"{name}={raw!r} doit être {wanted}.")
    return value




def _check_secret_key(secret_key: str, production: bool) -> None:
    """Sessions and CSRF tokens are signed with it: never empty; long and random in production."""
    if not secret_key.strip():
        raise ConfigError("SECRET_KEY est vide : choisissez une clé secrète (python3 -c 'import secrets; print(secrets.token_hex(32))').")
    if not production:
        return
    if secret_key == DEFAULT_SECRET_KEY:
        raise ConfigError("SECRET_KEY a sa valeur par défaut : choisissez une clé secrète en production.")
    if len(secret_key.encode()) < MIN_SECRET_KEY_BYTES or len(set(secret_key)) < MIN_SECRET_KEY_DISTINCT:
        raise ConfigError(
            f"SECRET_KEY est trop courte ou trop peu aléatoire : {MIN_SECRET_KEY_BYTES} octets aléatoires au moins en "
            "production (python3 -c 'import secrets; print(secrets.token_hex(32))')."
        )


def _positive_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} n'est pas un nombre.") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} doit être positif.")
    return value


def _resolve_sqlite(url: str, root: Path) -> str:
    """Relative SQLite paths are taken from the project root, not from the current directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite:///:memory:":
        path = root / url[len(prefix):]
        path.parent.mkdir(parents=True, exist_ok=True)
        return prefix + str(path)
    return url


def _normalise_database_url(url: str) -> str:
    # Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants an explicit driver.
    for old in ("postgres://", "postgresql://"):
        if url.startswith(old):
            return "postgresql+psycopg://" + url[len(old):]
    return url


def _mail_url(url: str) -> str:
    # The message names the scheme only: MAIL_URL may carry a password.
    if url and urlparse(url).scheme not in ("smtp", "smtps"):
        raise ConfigError(f"MAIL_URL : schéma {urlparse(url).scheme or '(vide)'!r} non pris en charge (smtp ou smtps).")
    return url


def _hour(name: str, raw: str) -> int:
    value = _int(name, raw, minimum=0)
    if value > 23:
        raise ConfigError(f"{name}={raw!r} : une heure entre 0 et 23 est attendue.")
    return value


def load_config(environ: os._Environ | dict | None = None, root: Path | None = None) -> dict:
    """Build the Flask config mapping from the environment, or raise ConfigError."""
    env = os.environ if environ is None else environ
    root = root or Path(__file__).resolve().parent
    raw = {s.name: env.get(s.name, s.default) for s in SETTINGS}

    mode = raw["PROBATIO_ENV"].strip().lower()
    if mode not in ("development", "production"):
        raise ConfigError(f"PROBATIO_ENV={raw['PROBATIO_ENV']!r} : valeurs possibles development ou production.")

    database_url = _normalise_database_url(raw["DATABASE_URL"].strip())
    scheme = urlparse(database_url).scheme
    if not scheme.startswith(("sqlite", "postgresql")):
        raise ConfigError(f"DATABASE_URL : schéma {scheme or '(vide)'!r} non pris en charge (sqlite ou postgresql).")

    backend = raw["STORAGE_BACKEND"].strip().lower()
    if backend not in STORAGE_BACKENDS:
        raise ConfigError(f"STORAGE_BACKEND={raw['STORAGE_BACKEND']!r} : valeurs possibles {', '.join(STORAGE_BACKENDS)}.")
    if backend == "minio" and not (raw["MINIO_ACCESS_KEY"] and raw["MINIO_SECRET_KEY"]):
        raise ConfigError("STORAGE_BACKEND=minio demande MINIO_ACCESS_KEY et MINIO_SECRET_KEY.")

    jobs_url = raw["JOBS_URL"].strip()
    if not jobs_url.startswith(("sqlite:///", "redis://", "memory://")):
        raise ConfigError(f"JOBS_URL={jobs_url!r} : attendu sqlite:///chemin ou redis://hôte:port/base.")

    search_backend = raw["SEARCH_BACKEND"].strip().lower()
    if search_backend not in SEARCH_BACKENDS:
        raise ConfigError(f"SEARCH_BACKEND={raw['SEARCH_BACKEND']!r} : valeurs possibles {', '.join(SEARCH_BACKENDS)}.")
    if search_backend == "postgresql" and not scheme.startswith("postgresql"):
        raise ConfigError("SEARCH_BACKEND=postgresql demande une base PostgreSQL (DATABASE_URL=postgresql://…).")

    secret_key = raw["SECRET_KEY"]
    production = mode == "production"
    _check_secret_key(secret_key, production)

    max_upload_mb = _int("MAX_UPLOAD_MB", raw["MAX_UPLOAD_MB"])

    def path(name: str) -> str:
        value = Path(raw[name])
        return str(value if value.is_absolute() else root / value)

    return {
        "PROBATIO_ENV": mode,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": _resolve_sqlite(database_url, root),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "STORAGE_BACKEND": backend,
        "STORAGE_DIR": path("STORAGE_DIR"),
        "MINIO_ENDPOINT": raw["MINIO_ENDPOINT"],
        "MINIO_ACCESS_KEY": raw["MINIO_ACCESS_KEY"],
        "MINIO_SECRET_KEY": raw["MINIO_SECRET_KEY"],
        "MINIO_BUCKET": raw["MINIO_BUCKET"],
        "MINIO_SECURE": _bool("MINIO_SECURE", raw["MINIO_SECURE"]),
        "MINIO_REGION": raw["MINIO_REGION"],
        "SEARCH_BACKEND": search_backend,
        "SEARCH_INDEX_DIR": path("SEARCH_INDEX_DIR"),
        "SEARCH_TIME_LIMIT": _positive_float("SEARCH_TIME_LIMIT", raw["SEARCH_TIME_LIMIT"]),
        "JOBS_URL": _resolve_sqlite(jobs_url, root) if jobs_url.startswith("sqlite") else jobs_url,
        "JOB_LEASE_SECONDS": _int("JOB_LEASE_SECONDS", raw["JOB_LEASE_SECONDS"]),
        "JOB_MAX_ATTEMPTS": _int("JOB_MAX_ATTEMPTS", raw["JOB_MAX_ATTEMPTS"]),
        "JOB_RETENTION_DAYS": _int("JOB_RETENTION_DAYS", raw["JOB_RETENTION_DAYS"]),
        "MAX_UPLOAD_MB": max_upload_mb,
        "MAX_FILES_PER_REQUEST": _int("MAX_FILES_PER_REQUEST", raw["MAX_FILES_PER_REQUEST"]),
        "ALLOW_ARCHIVES": _bool("ALLOW_ARCHIVES", raw["ALLOW_ARCHIVES"]),
        "PUBLIC_URL": raw["PUBLIC_URL"].rstrip("/"),
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", raw["TRUSTED_PROXIES"], minimum=0),
        "CREDENTIALS_KEY_FILE": path("CREDENTIALS_KEY_FILE"),
        "HOLDER_IDENTITY_KEY": raw["HOLDER_IDENTITY_KEY"].strip(),
        "HOLDER_IDENTITY_RETENTION_MONTHS": _int("HOLDER_IDENTITY_RETENTION_MONTHS", raw["HOLDER_IDENTITY_RETENTION_MONTHS"]),
        "UPLOAD_IDLE_TIMEOUT": _positive_float("UPLOAD_IDLE_TIMEOUT", raw["UPLOAD_IDLE_TIMEOUT"]),
        "MAIL_URL": _mail_url(raw["MAIL_URL"].strip()),
        "MAIL_FROM": raw["MAIL_FROM"].strip(),
        "MAIL_DIR": path("MAIL_DIR"),
        "MAIL_MAX_ATTEMPTS": _int("MAIL_MAX_ATTEMPTS", raw["MAIL_MAX_ATTEMPTS"]),
        "MAIL_RETRY_SECONDS": _int("MAIL_RETRY_SECONDS", raw["MAIL_RETRY_SECONDS"], minimum=0),
        "MAIL_DIGEST_HOUR": _hour("MAIL_DIGEST_HOUR", raw["MAIL_DIGEST_HOUR"]),
        # Werkzeug enforces this before a view runs; uploads stream below it.
        "MAX_CONTENT_LENGTH": max_upload_mb * 1024 * 1024 + 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
    }
