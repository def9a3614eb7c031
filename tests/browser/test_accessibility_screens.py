"""The portfolio, review, session and search pages at 1280 px and at 390 px (a phone): screenshots
in test-output/screenshots/, the charts drawn, and nothing that scrolls sideways (scrollWidth)."""
from __future__ import annotations

import pytest

from tests import factories

WIDTHS = {"bureau": {"width": 1280, "height": 900}, "mobile": {"width": 390, "height": 844}}
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("screen", sorted(WIDTHS))
def test_pages_fit_the_screen_and_show_their_charts(search_app, jury, page, log_in, log_out, screenshots, screen):
    factories.grade_all(jury, jury.president)
    factories.grade_all(jury, jury.juror)
    page.set_viewport_size(WIDTHS[screen])
    shots = {}

    log_in(page, jury.candidate)
    page.goto(f"/portefeuilles/{jury.portfolio.id}/couverture")
    assert page.locator("svg.chart-drawing").first.is_visible()
    assert page.locator("svg.criteria-strip").count() == len(jury.certification.blocs)
    shots["portefeuille"] = page.evaluate(SIDEWAYS)
    page.screenshot(path=str(screenshots / f"ecran-portefeuille-{screen}.png"), full_page=True)
    log_out(page)

    log_in(page, jury.juror)
    page.goto(f"/jury/affectations/{jury.assignment.id}")
    page.get_by_role("heading", level=1).wait_for()
    shots["relecture"] = page.evaluate(SIDEWAYS)
    page.screenshot(path=str(screenshots / f"ecran-relecture-{screen}.png"), full_page=True)

    page.goto(f"/jury/sessions/{jury.session.id}")
    charts = page.locator("svg.chart-drawing")
    assert charts.count() == 3 and all(charts.nth(i).is_visible() for i in range(3))
    shots["session"] = page.evaluate(SIDEWAYS)
    page.screenshot(path=str(screenshots / f"ecran-session-{screen}.png"), full_page=True)

    page.goto("/recherche?q=pare-feu")
    page.get_by_role("search").first.wait_for()
    shots["recherche"] = page.evaluate(SIDEWAYS)
    page.screenshot(path=str(screenshots / f"ecran-recherche-{screen}.png"), full_page=True)

    assert shots == {"portefeuille": 0, "relecture": 0, "session": 0, "recherche": 0}
