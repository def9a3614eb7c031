"""Numbers and dates in French formats."""
from __future__ import annotations

import re
from datetime import date

from accounts.models import Role
from core.formats import format_date, format_number
from portfolio.submissions import submit_portfolio
from tests import factories


def test_numbers_group_thousands_and_use_a_decimal_comma():
    assert format_number(1234567) == "1\u202f234\u202f567"
    assert format_number(1234.5) == "1\u202f234,5"
    assert format_number(1234.5, decimals=2) == "1\u202f234,50"
    assert format_number(12) == "12" and format_number(None) == ""


def test_dates_read_day_month_year():
    assert format_date(date(2026, 1, 5)) == "05/01/2026"
    assert format_date("2026-01-05") == "05/01/2026"
    assert format_date("bientôt") == "bientôt"


def test_a_submission_gives_file_sizes_the_french_way(client_for, make_user):
    candidate = make_user(Role.CANDIDATE)
    portfolio = factories.make_portfolio(candidate)
    evidence = factories.make_evidence(portfolio)
    factories.add_version(evidence, b"x" * 12345, "journal.log", "text/plain")
    submission = submit_portfolio(portfolio, candidate)
    page = client_for(candidate).get(f"/depots/{submission.id}").text
    assert re.search("version 1, 12\u202f345 octets", page)
