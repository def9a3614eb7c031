from accounts.models import Role
from accounts.services import get_user_by_email
from portfolio import services as portfolio_services
from tests import factories


def test_demo_load_creates_one_user_per_role_and_prints_passwords_once(app_ctx):
    factories.make_certification()
    runner = app_ctx.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert result.output.count("mot de passe :") == 5  # and the candidate with a submitted portfolio
    for role in Role:
        assert any(u.has_role(role) for u in [get_user_by_email(e) for e in (
            "admin@demo.probatio.fr", "candidat@demo.probatio.fr", "tuteur@demo.probatio.fr", "jury@demo.probatio.fr")])
    candidate = get_user_by_email("candidat@demo.probatio.fr")
    assert len(portfolio_services.portfolios_of_candidate(candidate)) == 1
    again = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "déjà peuplée" in again.output and "mot de passe :" not in again.output


def test_demo_load_is_refused_in_production(app_ctx):
    app_ctx.config["PROBATIO_ENV"] = "production"
    try:
        result = app_ctx.test_cli_runner().invoke(args=["demo", "load"])
    finally:
        app_ctx.config["PROBATIO_ENV"] = "development"
    assert result.exit_code != 0
    assert "réservées au mode développement" in result.output
