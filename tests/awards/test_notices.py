"""The candidate's dashboard announces results once the minutes are signed (and not before)."""
from __future__ import annotations

from tests.awards.jury_steps import deliberate, sign


def test_the_dashboard_announces_results_once_signed(jury, client_for):
    deliberate(jury)
    candidate = client_for(jury.candidate)
    assert "Résultats du jury disponibles" not in candidate.get("/").text
    sign(jury)
    home = candidate.get("/").text
    assert "Résultats du jury disponibles" in home
    assert f"/resultats/{jury.assignment.id}" in home and "1 bloc(s) validé(s) sur 2" in home
    # Only the candidate's own dashboard carries it; their tutor finds the decisions.
    tutor_home = client_for(jury.tutor).get("/").text
    assert "Résultats du jury disponibles" not in tutor_home and "Décisions du jury pour vos candidats (1)" in tutor_home
    assert "Déclarations des titulaires à la Caisse des Dépôts" in client_for(jury.admin).get("/").text
