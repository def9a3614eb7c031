import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config import DEFAULT_SECRET_KEY, SETTINGS, ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_embedded_parts(tmp_path):
    config = load_config({}, root=tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/instance/probatio.db"
    assert config["STORAGE_BACKEND"] == "local"
    assert config["MAX_UPLOAD_MB"] == 512
    assert config["SESSION_COOKIE_HTTPONLY"] is True


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"MAX_UPLOAD_MB": "beaucoup"}, "MAX_UPLOAD_MB"),
        ({"MAX_UPLOAD_MB": "-3"}, "MAX_UPLOAD_MB"),
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND"),
        ({"STORAGE_BACKEND": "minio"}, "MINIO_ACCESS_KEY"),
        ({"MINIO_SECURE": "peut-être"}, "MINIO_SECURE"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"JOBS_URL": "amqp://x"}, "JOBS_URL"),
        ({"PROBATIO_ENV": "production"}, "SECRET_KEY"),
    ],
)
def test_bad_values_name_the_variable(tmp_path, environ, message):
    with pytest.raises(ConfigError, match=message):
        load_config(environ, root=tmp_path)


def test_production_accepts_a_real_secret_and_secures_cookies(tmp_path):
    config = load_config({"PROBATIO_ENV": "production", "SECRET_KEY": secrets.token_hex(32)}, root=tmp_path)
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SECRET_KEY"] != DEFAULT_SECRET_KEY


def test_postgres_url_gets_an_explicit_driver(tmp_path):
    config = load_config({"DATABASE_URL": "postgresql://u@h/db"}, root=tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_bad_value_at_start_prints_one_line_not_a_traceback():
    env = {**os.environ, "MAX_UPLOAD_MB": "zero", "FLASK_APP": "app"}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "routes"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["Configuration invalide : MAX_UPLOAD_MB='zero' n'est pas un nombre entier."]


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.name}`" in readme, f"{setting.name} missing from the README configuration table"
