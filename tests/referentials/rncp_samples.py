"""RNCP exports (France Compétences flux 4.1) written by the tests: fiches with HTML in their
competence lists and accents, padded with filler fiches to any size."""
from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape


IGS_BLOCS = [
    ("RNCP36061BC01", "Administrer le système d'information"),
    ("RNCP36061BC02", "Gérer le système d'information"),
    ("RNCP36061BC03", "Définir la politique de sécurisation du système d'information"),
    ("RNCP36061BC04", "Communiquer avec tous les acteurs internes ou externes au service informatique"),
]


def fiche_xml(number: str, title: str, blocs, level="NIV7", certifier="IGS") -> str:
    parts = [
        f"<FICHE><NUMERO_FICHE>{number}</NUMERO_FICHE><INTITULE>{escape(title)}</INTITULE>",
        f"<NOMENCLATURE_EUROPE><NIVEAU>{level}</NIVEAU></NOMENCLATURE_EUROPE>",
        f"<CERTIFICATEURS><CERTIFICATEUR><NOM_CERTIFICATEUR>{escape(certifier)}</NOM_CERTIFICATEUR></CERTIFICATEUR></CERTIFICATEURS>",
        "<BLOCS_COMPETENCES>",
    ]
    for code, label in blocs:
        competences = escape("<ul><li>Superviser l'équipement réseau et sécurité.</li><li>Déployer les mises à jour ; vérifier leur état.</li></ul>")
        modalities = escape("<p>Mise en situation professionnelle et <b>étude de cas</b>.</p>")
        parts.append(
            f"<BLOC_COMPETENCES><CODE>{code}</CODE><LIBELLE>{escape(label)}</LIBELLE>"
            f"<LISTE_COMPETENCES>{competences}</LISTE_COMPETENCES><MODALITES_EVALUATION>{modalities}</MODALITES_EVALUATION></BLOC_COMPETENCES>"
        )
    parts.append("</BLOCS_COMPETENCES></FICHE>")
    return "".join(parts)


def write_export(path, fiches: list[str], filler_bytes: int = 0) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<FICHES><VERSION_FLUX>4.1</VERSION_FLUX>')
        written, n = 0, 0
        filler = [("RNCP9{:05d}BC01", "Bloc de remplissage à l'accent élevé"), ("RNCP9{:05d}BC02", "Deuxième bloc")]
        while written < filler_bytes:
            n += 1
            xml = fiche_xml(f"RNCP9{n:05d}", f"Fiche n° {n} — Opérateur·rice", [(c.format(n), t) for c, t in filler])
            out.write(xml)
            written += len(xml.encode("utf-8"))
        for xml in fiches:
            out.write(xml)
        out.write("</FICHES>\n")


IGS_TITLE = "Manager en infrastructures et cybersécurité des systèmes d'information"


def zip_export(tmp_path) -> bytes:
    xml = tmp_path / "export.xml"
    write_export(xml, [
        fiche_xml("RNCP36061", IGS_TITLE, IGS_BLOCS),
        fiche_xml("RNCP38596", "Technicien d'assistance en informatique", [("RNCP38596BC02", "Mettre en service des équipements")], level="NIV4"),
    ], filler_bytes=200_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(xml, "export_fiches_RNCP_V4_1.xml")
    return buffer.getvalue()


def export_xml(fiches: list[str]) -> bytes:
    """A small export holding `fiches` (see fiche_xml)."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<FICHES><VERSION_FLUX>4.1</VERSION_FLUX>'
            + "".join(fiches) + "</FICHES>\n").encode("utf-8")
