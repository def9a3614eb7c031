"""Finding 2: login throttling holds under parallel requests, delays instead of locking everyone
out, and sees the client address only through the configured number of trusted proxies."""
from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import update

from accounts import throttle
from accounts.models import LoginThrottle, Role
from app import create_app
from extensions import db
from jobs.services import bind_app

ATTEMPTS = 16


def test_parallel_attempts_cannot_pass_the_limit(live_browser, make_user, password):
    email = make_user(Role.JUROR).email
    # Wrong passwords only: a right one checked early would (by design) start the count again and
    # let later attempts through, so whether the burst holds would depend on the threads' order.
    passwords = [f"mauvais-mot-de-passe-{n}" for n in range(ATTEMPTS)]
    browsers = [live_browser() for _ in passwords]
    tokens = [browser.token() for browser in browsers]
    start = threading.Barrier(len(browsers))
    statuses: list[int | Exception] = []

    def attempt(browser, secret, token):
        start.wait()
        try:
            statuses.append(browser.log_in(email, secret, token))
        except Exception as error:  # shown by the assertion below
            statuses.append(error)

    threads = [threading.Thread(target=attempt, args=args) for args in zip(browsers, passwords, tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == ATTEMPTS
    assert set(statuses) <= {302, 401, 429}, statuses
    checked = [s for s in statuses if s != 429]
    assert len(checked) <= throttle.FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS, statuses
    assert 302 not in statuses


def _elapse_delays() -> None:
    """As if the current delays had gone by (no test waits for a clock)."""
    db.session.execute(update(LoginThrottle).values(next_attempt_at=0))
    db.session.commit()


def test_delays_grow_but_the_right_password_still_opens_after_them(client, make_user, password):
    user = make_user(Role.CANDIDATE)
    for _ in range(throttle.FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        assert client.login(user.email, "mauvais").status_code == 401
    refused = client.login(user.email)
    assert refused.status_code == 429
    assert "Réessayez dans 30 secondes" in refused.text
    assert refused.headers["Retry-After"] == "30"
    _elapse_delays()
    assert client.login(user.email, "encore mauvais").status_code == 401
    longer = client.login(user.email, "mauvais")
    assert longer.status_code == 429
    assert "Réessayez dans 1 minute" in longer.text
    _elapse_delays()
    assert client.login(user.email).status_code == 302


def test_failures_from_one_address_do_not_lock_the_account_for_others(app_ctx, client, make_user, password):
    user = make_user(Role.CANDIDATE)
    attacker = client
    attacker.environ_base = {"REMOTE_ADDR": "198.51.100.7"}
    for _ in range(throttle.FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS + 3):
        assert attacker.login(user.email, "mauvais").status_code in (401, 429)
    assert attacker.login(user.email).status_code == 429  # the attacker's address waits
    owner = type(client)(app_ctx, client.response_wrapper, use_cookies=True)  # a second browser
    owner.environ_base = {"REMOTE_ADDR": "203.0.113.20"}
    assert owner.login(user.email, password).status_code == 302  # the owner, elsewhere, gets in


@pytest.fixture()
def production_app(app):
    """The app as production builds it (TRUSTED_PROXIES as given), on the suite's database."""

    def build(**settings):
        config = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "PASSWORD_HASH_METHOD", "STORAGE_DIR", "SEARCH_INDEX_DIR")}
        built = create_app({**config, "TESTING": True, "SEARCH_SYNC": "off", "PROBATIO_ENV": "production",
                            "SESSION_COOKIE_SECURE": False, **settings})
        return built

    yield build
    bind_app(app)  # create_app binds background tasks to the newest app: give them back to the suite's


def _spoofed_attempts(app, count: int) -> list[int]:
    """`count` failed logins for unknown accounts, each claiming another address in X-Forwarded-For."""
    client = app.test_client()
    statuses = []
    for n in range(count):
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/connexion").text).group(1)
        response = client.post(
            "/connexion", data={"email": f"personne{n}@test.probatio.fr", "password": "x", "csrf_token": token},
            headers={"X-Forwarded-For": f"192.0.2.{n + 1}"},
        )
        statuses.append(response.status_code)
    return statuses


def test_x_forwarded_for_is_ignored_without_trusted_proxies(app_ctx, production_app):
    statuses = _spoofed_attempts(production_app(), throttle.FREE_FAILURES_PER_ADDRESS + 1)
    assert statuses[:-1] == [401] * throttle.FREE_FAILURES_PER_ADDRESS
    assert statuses[-1] == 429


def test_the_address_is_read_through_the_trusted_proxies(app_ctx, production_app):
    statuses = _spoofed_attempts(production_app(TRUSTED_PROXIES=1), throttle.FREE_FAILURES_PER_ADDRESS + 1)
    assert statuses == [401] * (throttle.FREE_FAILURES_PER_ADDRESS + 1)


def test_guessing_spread_over_many_addresses_is_bounded_too(client, make_user):
    user = make_user(Role.TUTOR)
    statuses = []
    for n in range(throttle.FREE_FAILURES_PER_ACCOUNT + 1):
        client.environ_base = {"REMOTE_ADDR": f"198.51.100.{n + 1}"}
        statuses.append(client.login(user.email, "mauvais").status_code)
    assert statuses == [401] * throttle.FREE_FAILURES_PER_ACCOUNT + [429]


def test_a_successful_login_starts_the_count_again(client, make_user, password):
    user = make_user(Role.CANDIDATE)
    for _ in range(2):
        for _ in range(throttle.FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS - 1):
            assert client.login(user.email, "mauvais").status_code == 401
        assert client.login(user.email, password).status_code == 302
        client.submit("/deconnexion", token_from="/")


def test_idle_counters_are_purged(client, make_user, password):
    user = make_user(Role.CANDIDATE)
    client.login(user.email, "mauvais")
    assert db.session.query(LoginThrottle).count() == 3  # the account from this address, the account, the address
    db.session.execute(update(LoginThrottle).values(updated_at=0))
    db.session.commit()
    assert throttle.purge_stale() == 3
