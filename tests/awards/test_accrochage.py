"""The declaration to the Caisse des Dépôts through the app: certifier settings, holder
identities (from the holder or an administrator, encrypted at rest, visible to administrators
only, purged after acceptance), the XML of a whole session checked and kept under
test-output/accrochage/, its life (prepared → sent → accepted / rejected → corrected), never
twice for the same award, everything audited and no identity in the logs."""
from __future__ import annotations

import logging
from datetime import timedelta

from lxml import etree
from sqlalchemy import select

from accounts.models import Role
from awards.accrochage import services
from awards.accrochage.rules import NS, check_xml
from awards.models import AccrochagePassage, HolderIdentity
from core.timeutil import utcnow
from extensions import db
from grading.models import AuditEvent
from tests.awards.jury_steps import certify_all

IDENTITIES = {
    "Camille Candidate": {"birth_name": "MARTINEZ", "first_names": "Camille Louise", "birth_year": "1991",
                          "birth_month": "3", "birth_day": "14", "sex": "F", "birth_insee": "69123",
                          "birth_commune": "Lyon", "access_mode": "VAE"},
    "Bruno Second": {"birth_name": "DELACROIX", "usage_name": "DURAND", "first_names": "Bruno", "birth_year": "1985",
                     "birth_month": "", "birth_day": "", "sex": "M", "birth_postal_code": "13001",
                     "access_mode": "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION"},
    "Chloé Troisième": {"cpf_dossier": "2026123456789", "dossier_name": "NGUYEN", "dossier_first_name": "Chloé",
                        "access_mode": "VAE"},
}
SECRETS = ("MARTINEZ", "DELACROIX", "NGUYEN", "69123", "2026123456789")


def _world(jury, make_user):
    second = make_user(Role.CANDIDATE, name="Bruno Second")
    third = make_user(Role.CANDIDATE, name="Chloé Troisième")
    certify_all(jury, second, third)
    return [jury.candidate, second, third]


def _settings(admin, lineage):
    url = f"/admin/accrochage/{lineage}"
    response = admin.submit(f"{url}/parametres", {"client_id": "ABCD1234", "contract_id": "MCFCER000123",
                                                   "certification_type": "RNCP", "certification_code": "34054"},
                            token_from=url, follow_redirects=True)
    assert "Paramètres enregistrés" in response.text


def test_a_session_declaration_passes_the_checks_and_is_kept_for_inspection(jury, make_user, client_for, output_dir, caplog):
    caplog.set_level(logging.DEBUG)
    holders = _world(jury, make_user)
    lineage = jury.certification.lineage
    admin = client_for(jury.admin)
    _settings(admin, lineage)
    page = admin.get(f"/admin/accrochage/{lineage}").text
    assert all(h.full_name in page for h in holders) and page.count("À renseigner") == 3
    # The first holder fills in their own identity; the administrator the others'.
    mine = client_for(jury.candidate)
    assert f"/resultats/identite/{lineage}" in mine.get("/resultats").text
    form = mine.get(f"/resultats/identite/{lineage}").text
    assert "Caisse des Dépôts" in form and "supprimées 12 mois après" in form
    response = mine.submit(f"/resultats/identite/{lineage}", IDENTITIES["Camille Candidate"],
                           token_from=f"/resultats/identite/{lineage}", follow_redirects=True)
    assert response.status_code == 200
    assert "MARTINEZ" not in mine.get(f"/resultats/identite/{lineage}").text  # the holder does not read it back
    for holder in holders[1:]:
        url = f"/admin/accrochage/{lineage}/titulaires/{holder.id}"
        assert admin.submit(url, IDENTITIES[holder.full_name], token_from=url).status_code == 303
    assert "MARTINEZ" in admin.get(f"/admin/accrochage/{lineage}/titulaires/{jury.candidate.id}").text
    # Encrypted at rest.
    stored = " ".join(db.session.scalars(select(HolderIdentity.ciphertext)))
    assert all(secret not in stored for secret in SECRETS)
    response = admin.submit(f"/admin/accrochage/{lineage}/declarations", token_from=f"/admin/accrochage/{lineage}",
                            follow_redirects=True)
    assert "préparée : 3 titulaire(s)" in response.text
    [declaration] = services.declarations_of(lineage)
    assert all(secret not in declaration.xml for secret in SECRETS)  # the stored file is encrypted too
    xml = admin.get(f"/admin/accrochage/declarations/{declaration.id}.xml")
    assert xml.status_code == 200 and xml.headers["Content-Disposition"].startswith("attachment")
    (output_dir / "accrochage").mkdir(exist_ok=True)
    (output_dir / "accrochage" / "session-declaration.xml").write_bytes(xml.data)
    assert check_xml(xml.data) == []
    root = etree.fromstring(xml.data)
    passages = root.findall(f".//{{{NS}}}passageCertification")
    assert len(passages) == 3
    assert len(root.findall(f".//{{{NS}}}titulaire")) == 2 and len(root.findall(f".//{{{NS}}}dossierFormation")) == 1
    assert {p.findtext(f"{{{NS}}}dateDebutValidite") for p in passages} == {"2026-06-15"}
    assert b"MARTINEZ" in xml.data and b"codePostal>13001<" in xml.data
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"accrochage.settings", "accrochage.identity", "accrochage.prepared", "accrochage.downloaded"} <= actions
    trail = " ".join(str(e.after) for e in db.session.scalars(select(AuditEvent)))
    assert all(secret not in trail for secret in SECRETS)
    assert all(secret not in caplog.text for secret in SECRETS)


def test_identity_is_for_administrators_and_holders_only(jury, make_user, client_for):
    holders = _world(jury, make_user)
    lineage = jury.certification.lineage
    url = f"/admin/accrochage/{lineage}/titulaires/{holders[0].id}"
    assert client_for(jury.tutor).get(url).status_code == 403
    assert client_for(jury.juror).get(url).status_code == 403
    assert client_for(jury.candidate).get(url).status_code == 403
    # A candidate who did not obtain the certification is not asked.
    other = make_user(Role.CANDIDATE)
    assert client_for(other).get(f"/resultats/identite/{lineage}").status_code == 404


def test_the_life_of_a_declaration_and_never_twice(jury, make_user, client_for, app_ctx):
    holders = _world(jury, make_user)
    lineage = jury.certification.lineage
    admin_user = jury.admin
    services.save_settings(lineage, "ABCD1234", "MCFCER000123", "RNCP", "34054", actor=admin_user)
    from awards.accrochage.identity import Identity

    for holder in holders:
        services.save_identity(holder, lineage, Identity(**IDENTITIES[holder.full_name]), actor=admin_user)
    first = services.prepare_declaration(lineage, actor=admin_user)
    assert [p.state for p in first.passages] == ["prepared"] * 3
    # Nothing left to declare: the same holders are never declared twice.
    admin = client_for(admin_user)
    response = admin.submit(f"/admin/accrochage/{lineage}/declarations", token_from=f"/admin/accrochage/{lineage}",
                            follow_redirects=True)
    assert "Aucun titulaire à déclarer" in response.text
    url = f"/admin/accrochage/{lineage}"
    admin.submit(f"/admin/accrochage/declarations/{first.id}/envoi", token_from=url)
    db.session.refresh(first)
    assert first.state == "sent" and {p.state for p in first.passages} == {"sent"}
    by_holder = {p.candidate_id: p for p in first.passages}
    accepted, rejected = by_holder[holders[0].id], by_holder[holders[1].id]
    response = admin.submit(f"/admin/accrochage/passages/{rejected.id}/retour", {"outcome": "rejected", "reason": ""},
                            token_from=url, follow_redirects=True)
    assert "Indiquez le motif du rejet" in response.text
    admin.submit(f"/admin/accrochage/passages/{rejected.id}/retour",
                 {"outcome": "rejected", "reason": "Commune de naissance inconnue"}, token_from=url)
    admin.submit(f"/admin/accrochage/passages/{accepted.id}/retour", {"outcome": "accepted"}, token_from=url)
    db.session.refresh(rejected)
    assert rejected.state == "rejected" and rejected.reason == "Commune de naissance inconnue"
    # Corrected, then declared again: only the rejected passage, under the same technical id.
    services.save_identity(holders[1], lineage, Identity(**{**IDENTITIES["Bruno Second"], "birth_postal_code": "13002"}),
                           actor=admin_user)
    second = services.prepare_declaration(lineage, actor=admin_user)
    [again] = second.passages
    assert again.candidate_id == holders[1].id and again.corrects_id == rejected.id
    assert again.id_technique == rejected.id_technique
    db.session.refresh(rejected)
    assert rejected.state == "corrected"
    live = db.session.scalars(select(AccrochagePassage).where(AccrochagePassage.state.in_(services.LIVE))).all()
    assert len(live) == 3 and len({p.award_key for p in live}) == 3
    assert "Accepté" in admin.get(url).text and "Commune de naissance inconnue" in admin.get(url).text
    # The accepted holder's identity is purged after the retention.
    row = services.identity_row(holders[0], lineage)
    assert row.purge_after is not None and row.purge_after > utcnow() + timedelta(days=300)
    assert services.purge_identities(utcnow()) == 0
    result = app_ctx.test_cli_runner().invoke(args=["accrochage", "purge"])
    assert "Identités supprimées : 0" in result.output
    assert services.purge_identities(row.purge_after + timedelta(seconds=1)) == 1
    assert services.identity_row(holders[0], lineage) is None
    assert services.identity_row(holders[1], lineage) is not None


def test_a_failing_holder_blocks_the_file_with_a_french_message(jury, make_user, client_for):
    holders = _world(jury, make_user)
    lineage = jury.certification.lineage
    services.save_settings(lineage, "ABCD1234", "MCFCER000123", "RNCP", "34054", actor=jury.admin)
    from awards.accrochage.identity import Identity

    services.save_identity(holders[0], lineage, Identity(**{**IDENTITIES["Camille Candidate"], "birth_year": "1850"}),
                           actor=jury.admin)
    admin = client_for(jury.admin)
    response = admin.submit(f"/admin/accrochage/{lineage}/declarations", token_from=f"/admin/accrochage/{lineage}")
    assert response.status_code == 422
    assert "Titulaire Camille Candidate : année de naissance — 1850 hors de l'intervalle 1900–2099." in response.text
    assert services.declarations_of(lineage) == []


def test_settings_are_checked(jury, client_for):
    lineage = jury.certification.lineage
    admin = client_for(jury.admin)
    url = f"/admin/accrochage/{lineage}"
    response = admin.submit(f"{url}/parametres", {"client_id": "ABC", "contract_id": "", "certification_type": "TP",
                                                   "certification_code": ""}, token_from=url, follow_redirects=True)
    assert "exactement 8 caractères" in response.text and "RNCP ou RS" in response.text
    assert services.settings_of(lineage) is None


def test_the_daily_task_purges_identities_past_their_retention(jury, make_user):
    from awards.tasks import purge_holder_identities

    holders = _world(jury, make_user)
    lineage = jury.certification.lineage
    from awards.accrochage.identity import Identity

    row = services.save_identity(holders[0], lineage, Identity(**IDENTITIES["Camille Candidate"]), actor=jury.admin)
    row.purge_after = utcnow() - timedelta(days=1)
    db.session.commit()
    assert purge_holder_identities.call_local() == {"purged": 1}
    assert services.identity_row(holders[0], lineage) is None
