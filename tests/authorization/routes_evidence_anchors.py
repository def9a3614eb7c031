"""Anchors (issue 13): only who may edit the claim chooses, changes or removes its excerpts."""
from tests.authorization.cases import Case, expect

OWNER_ONLY = expect(302, 200, 403, 403, 403)
OWNER_POST = expect(302, 303, 403, 403, 403)


def anchor_of(world: dict, whose: str = "own"):
    """An anchor on the world's claim (`own` or `foreign`), made the first time it is asked for."""
    from evidence.models import ClaimAnchor
    from extensions import db

    name = f"{whose}_anchor"
    if name not in world:
        anchor = ClaimAnchor(claim=world[f"{whose}_claim"], version_id=world[f"{whose}_version"].id, kind="lines", line_start=1, line_end=1)
        db.session.add(anchor)
        db.session.commit()
        world[name] = anchor
    return world[name]


ROUTES = {
    "evidence_anchors.new": Case("GET", lambda w: f"/rattachements/{w['own_claim'].id}/extraits/nouveau", OWNER_ONLY),
    "evidence_anchors.edit": Case("GET", lambda w: f"/extraits/{anchor_of(w).id}/modifier", OWNER_ONLY),
    "evidence_anchors.remove": Case("POST", lambda w: f"/extraits/{anchor_of(w, 'foreign').id}/supprimer", expect(302, 403, 403, 403, 403)),
}
