"""The accessibility statement ("déclaration d'accessibilité" that RGAA asks for): public, so that
anyone can read it before logging in."""
from __future__ import annotations

from flask import Blueprint, render_template

from accounts.policy import public

bp = Blueprint("accessibility", __name__)


@bp.route("/accessibilite")
@public
def statement():
    return render_template("dashboard/accessibility.html")
