"""Finding 6: production configuration: HSTS on every answer, a long random SECRET_KEY, never an empty one."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def in_production(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "PROBATIO_ENV", "production")
    return app_ctx


@pytest.mark.parametrize("url", ["/connexion", "/", "/nulle-part", "/static/css/app.css"])
def test_production_answers_carry_strict_transport_security(in_production, client, url):
    response = client.get(url)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_development_over_plain_http_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/connexion").headers


@pytest.mark.parametrize(
    "key",
    ["", "   ", "court", "x" * 40, "0123456789abcdef" * 1 + "0" * 15, "dev-only-insecure-secret-key", secrets.token_hex(15)],
)
def test_production_refuses_a_weak_secret_key(tmp_path, key):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config({"PROBATIO_ENV": "production", "SECRET_KEY": key}, root=tmp_path)


@pytest.mark.parametrize("key", [secrets.token_hex(32), secrets.token_urlsafe(32), secrets.token_hex(16)])
def test_production_accepts_32_random_bytes(tmp_path, key):
    assert load_config({"PROBATIO_ENV": "production", "SECRET_KEY": key}, root=tmp_path)["SECRET_KEY"] == key


def test_an_empty_secret_key_is_refused_even_in_development(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY est vide"):
        load_config({"SECRET_KEY": ""}, root=tmp_path)


def test_an_empty_secret_key_stops_the_app_with_one_french_line():
    env = {**os.environ, "SECRET_KEY": "", "PROBATIO_ENV": "production", "FLASK_APP": "app"}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "routes"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Configuration invalide : SECRET_KEY est vide"), result.stderr


@pytest.mark.parametrize(("raw", "expected"), [("0", 0), ("2", 2)])
def test_trusted_proxies_setting(tmp_path, raw, expected):
    assert load_config({"TRUSTED_PROXIES": raw}, root=tmp_path)["TRUSTED_PROXIES"] == expected


@pytest.mark.parametrize("raw", ["-1", "un"])
def test_bad_trusted_proxies_names_the_variable(tmp_path, raw):
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        load_config({"TRUSTED_PROXIES": raw}, root=tmp_path)
