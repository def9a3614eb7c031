"""Forms speak French and describe their fields to screen readers without printing Python's None."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from accounts.models import Role
from core.forms import FrenchForm
from evidence.models import Evidence
from extensions import db
from tests import factories

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture()
def candidate_portfolio(client, make_user):
    candidate = make_user(Role.CANDIDATE)
    portfolio = factories.make_portfolio(candidate, factories.make_certification())
    client.login(candidate.email)
    return portfolio


def test_an_oversized_title_is_refused_in_french(client, candidate_portfolio):
    url = f"/portefeuilles/{candidate_portfolio.id}/preuves/nouvelle"
    response = client.submit(url, {"title": "x" * 301, "context": "company"})
    assert response.status_code == 200
    assert "Le champ ne peut pas contenir plus de 300 caractères." in response.text
    assert "Field cannot be longer" not in response.text
    assert db.session.scalar(select(func.count(Evidence.id))) == 0


def test_a_field_in_error_points_to_its_messages(client, candidate_portfolio):
    url = f"/portefeuilles/{candidate_portfolio.id}/preuves/nouvelle"
    response = client.submit(url, {"title": "", "context": "company"})
    title = re.search(r'<input[^>]*id="title"[^>]*>', response.text).group(0)
    assert 'aria-invalid="true"' in title and 'aria-describedby="title-errors"' in title
    assert 'id="title-errors"' in response.text


@pytest.mark.parametrize("path", ["/connexion"])
def test_no_attribute_carries_none(client, path):
    assert '="None"' not in client.get(path).text


def test_no_attribute_carries_none_on_a_new_evidence(client, candidate_portfolio):
    page = client.get(f"/portefeuilles/{candidate_portfolio.id}/preuves/nouvelle").text
    assert '="None"' not in page
    description = re.search(r'<textarea[^>]*id="description"[^>]*>', page).group(0)
    assert 'aria-describedby="description-hint"' in description and "aria-invalid" not in description


def test_every_form_lets_the_app_validate(app):
    """`novalidate` on every form, so that the app's French messages show, not the browser's bubble."""
    missing = []
    for template in TEMPLATES.rglob("*.html"):
        for tag in re.findall(r"<form\b[^>]*>", template.read_text(encoding="utf-8")):
            if "novalidate" not in tag:
                missing.append(f"{template.relative_to(TEMPLATES)}: {tag[:60]}")
    assert missing == []


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_form_uses_the_french_catalogue(app):
    """Every form of the app derives from core.forms.FrenchForm (WTForms' French messages)."""
    english = sorted(
        f"{form.__module__}.{form.__qualname__}" for form in _subclasses(FlaskForm)
        if not issubclass(form, FrenchForm) and form is not FrenchForm
        and not form.__module__.startswith(("tests.", "flask_wtf", "wtforms"))
    )
    assert english == []


def test_builtin_messages_are_french(app_ctx):
    from wtforms import IntegerField
    from wtforms.validators import InputRequired
    from werkzeug.datastructures import MultiDict

    class Probe(FrenchForm):
        class Meta:
            csrf = False

        number = IntegerField("Nombre", validators=[InputRequired()])

    with app_ctx.test_request_context():
        form = Probe(formdata=MultiDict({"number": "douze"}))
        form.validate()
    assert form.number.errors == ["N'est pas un entier valide."]


def test_the_accessibility_statement_is_public_and_linked_from_every_page(client):
    statement = client.get("/accessibilite")
    assert statement.status_code == 200
    assert "Déclaration d'accessibilité" in statement.text and "partiellement conforme" in statement.text
    assert "axe-core" in statement.text and "390 pixels" in statement.text
    assert 'href="/accessibilite"' in client.get("/connexion").text
