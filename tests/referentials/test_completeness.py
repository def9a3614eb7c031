"""Truncated referentials are never loaded silently as a normal version (issue 11).

Every seed is cut at every 10th line after its header, and at 25 %, 50 % and 75 % of its bytes:
the import is refused with a French message naming the line where the document stops, or, with
--accept-incomplete, loaded marked incomplete; or, when the document shows no sign of its own end
(seed 000), loaded marked « complétude non vérifiable » until an administrator confirms it.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from extensions import db
from referentials import services as referentials
from referentials.importers import SEEDS_DIR, ReferentialImportError, parse_referential
from referentials.models import Certification

from tests.referentials.seeds import SEEDS

# Cuts of 000 that fall exactly between two complete table rows: 000 states neither how many
# activities it has, nor closes its table parts with separators, nor ends on any marker, and the
# prefix is itself a well-formed referential (every evaluation closed, every competence evaluated):
# nothing in the text tells it apart from a whole, shorter document. They load marked « complétude
# non vérifiable », as the whole 000 does. (004's cuts at 33 and 43 are caught: it speaks of its
# blocs in the plural and closes each table part with a "---" row.) Listed: a cut of another seed,
# or another cut of 000, that loads even marked unverified fails the test.
UNDETECTABLE = {("000", 33), ("000", 93), ("000", 113), ("000", 123), ("000", 133)}


def _header_line(lines: list[str]) -> int:
    """The first line of the table header (RNCP) or of the first page header (REAC)."""
    for i, line in enumerate(lines, 1):
        if "\t" in line or line.startswith("|"):
            return i
    raise AssertionError("no header")


def _cuts():
    for seed, name in sorted(SEEDS.items()):
        lines = (SEEDS_DIR / name).read_text(encoding="utf-8").split("\n")
        start = _header_line(lines)
        for n in range(start + 10, len(lines) - 1, 10):
            yield pytest.param(seed, n, (seed, n) in UNDETECTABLE, id=f"{seed}-l{n}")


def _assert_refused_or_marked(data: bytes, name: str, last_line: int, unverifiable: bool = False) -> None:
    try:
        draft = parse_referential(data, name)
    except ReferentialImportError as error:
        assert not unverifiable, f"refused although listed as undetectable: {error}"
        message = str(error)
        assert "tronqué" in message or "incomplet" in message, message
        numbers = [int(n) for n in re.findall(r"ligne \(?(?:n° )?(\d+)", message)]
        assert numbers, f"the message names no line: {message}"
        assert max(numbers) <= last_line, message
    else:
        if unverifiable and draft.unverified:
            assert draft.unverified.startswith("complétude non vérifiable : le document n'annonce ni sa fin"), draft.unverified
            assert f"({len(draft.blocs)} bloc" in draft.unverified and f", {len(draft.criteria())} critère" in draft.unverified
            assert f"« {draft.blocs[-1].code} — {draft.blocs[-1].title}" in draft.unverified
            return  # loaded, marked « complétude non vérifiable »
        pytest.fail(f"{name} cut at line {last_line} was accepted as a whole referential")
    try:
        draft = parse_referential(data, name, accept_incomplete=True)
    except ReferentialImportError:
        return  # nothing loadable at all: refused even when incomplete documents are accepted
    assert draft.incomplete, "loaded without its incomplete mark"


@pytest.mark.parametrize(("seed", "lines", "unverifiable"), list(_cuts()))
def test_a_seed_cut_at_a_line_is_refused_or_marked_incomplete(seed, lines, unverifiable):
    text = (SEEDS_DIR / SEEDS[seed]).read_text(encoding="utf-8")
    cut = "\n".join(text.split("\n")[:lines]) + "\n"
    last_line = max(i for i, line in enumerate(cut.split("\n"), 1) if line.strip())
    _assert_refused_or_marked(cut.encode("utf-8"), SEEDS[seed], last_line, unverifiable)


@pytest.mark.parametrize("percent", [25, 50, 75])
def test_a_seed_cut_at_a_share_of_its_bytes_is_refused_or_marked_incomplete(seed, percent):
    data = (SEEDS_DIR / SEEDS[seed]).read_bytes()
    cut = data[: len(data) * percent // 100]
    text = cut.decode("utf-8", errors="ignore")
    _assert_refused_or_marked(cut, SEEDS[seed], text.count("\n") + 1)


def test_the_whole_seeds_are_complete(parsed, seed):
    assert parsed(seed).incomplete == []


def test_only_the_seed_that_shows_no_end_is_unverified(parsed, seed):
    """001 and 004 close their table with a "---" row, 002 and 003 end each part on the
    « Reproduction interdite » page; 000 has no such sign, so even whole it cannot be verified."""
    draft = parsed(seed)
    if seed == "000":
        assert draft.unverified == (
            "complétude non vérifiable : le document n'annonce ni sa fin ni son nombre de blocs ; vérifiez qu'il est "
            "complet (4 blocs, 33 compétences, 66 critères trouvés ; dernier bloc : « BC04 — APPORTER UN SUPPORT / "
            "UNE ASSISTANCE AUX UTILISATEURS »)"
        )
    else:
        assert draft.unverified == ""


def test_the_three_cuts_of_the_issue_are_refused(seed_bytes, seeds):
    """The first half of the lines of 000 and 004, the first half of the bytes of 003."""
    for seed in ("000", "004"):
        lines = seed_bytes(seed).decode("utf-8").split("\n")
        with pytest.raises(ReferentialImportError, match="ligne"):
            parse_referential("\n".join(lines[: len(lines) // 2]).encode("utf-8"), seeds[seed])
    data = seed_bytes("003")
    with pytest.raises(ReferentialImportError, match="ligne"):
        parse_referential(data[: len(data) // 2], seeds["003"])


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["referential", *args])


def test_accept_incomplete_loads_it_marked_and_nothing_otherwise(app_ctx, tmp_path):
    lines = (SEEDS_DIR / SEEDS["000"]).read_text(encoding="utf-8").split("\n")
    path = tmp_path / "tiims-coupe.txt"
    path.write_text("\n".join(lines[: len(lines) // 2]), encoding="utf-8")
    refused = _run(app_ctx, "import", str(path))
    assert refused.exit_code != 0 and "ligne" in refused.output and "tronqué" in refused.output
    assert db.session.scalar(select(func.count(Certification.id))) == 0
    loaded = _run(app_ctx, "import", "--accept-incomplete", str(path))
    assert loaded.exit_code == 0, loaded.output
    assert "marqué incomplet" in loaded.output
    certification = db.session.scalars(select(Certification)).one()
    assert certification.incomplete and certification.incomplete_reasons
    assert "[incomplet]" in _run(app_ctx, "list").output
    exported = referentials.export_yaml(certification)
    assert "incomplete:" in exported


# --- versions by content and by the administrator's choice -----------------------------------

ORDERS = [sorted(SEEDS), sorted(SEEDS, reverse=True), ["001", "003", "000", "004", "002"]]


@pytest.mark.parametrize("order", ORDERS, ids=["croissant", "décroissant", "mélangé"])
def test_five_seeds_in_any_order_then_again_leave_five_versions(app_ctx, order):
    resemblance_reported = False
    for seed in order:
        path = SEEDS_DIR / SEEDS[seed]
        result = _run(app_ctx, "import", str(path))
        if result.exit_code != 0:
            assert "ressemble à" in result.output and "--new-certification" in result.output, result.output
            resemblance_reported = True
            dry = _run(app_ctx, "import", "--dry-run", str(path))
            assert "ressemble à" in dry.output and "Version qui sera créée" not in dry.output
            result = _run(app_ctx, "import", "--new-certification", str(path))
        assert result.exit_code == 0, result.output
    assert resemblance_reported  # 000 and 001 share a title, not a certifier nor a structure
    for seed in order:
        path = SEEDS_DIR / SEEDS[seed]
        dry = _run(app_ctx, "import", "--dry-run", str(path))
        assert "Déjà chargé" in dry.output and "Version qui sera créée" not in dry.output
        for options in ([], ["--new-certification"]):
            again = _run(app_ctx, "import", *options, str(path))
            assert again.exit_code != 0 and "déjà chargé" in again.output
    rows = db.session.scalars(select(Certification)).all()
    assert len(rows) == 5 and {c.version_number for c in rows} == {1}
    assert len({c.lineage for c in rows}) == 5


def test_001_can_be_chosen_as_a_new_version_of_000(app_ctx):
    assert _run(app_ctx, "import", str(SEEDS_DIR / SEEDS["000"])).exit_code == 0
    dry = _run(app_ctx, "import", "--dry-run", "--version-of", "TIIMS", str(SEEDS_DIR / SEEDS["001"]))
    assert "Version qui sera créée : TIIMS, version 2" in dry.output
    result = _run(app_ctx, "import", "--version-of", "TIIMS", str(SEEDS_DIR / SEEDS["001"]))
    assert result.exit_code == 0, result.output
    assert referentials.latest_version("TIIMS").version_number == 2
    # 000 again, after 001: already loaded (as version 1), not a third version.
    again = _run(app_ctx, "import", "--version-of", "TIIMS", str(SEEDS_DIR / SEEDS["000"]))
    assert again.exit_code != 0 and "déjà chargé" in again.output
    assert db.session.scalar(select(func.count(Certification.id))) == 2


def test_import_seeds_loads_five_certifications(app_ctx):
    assert _run(app_ctx, "import-seeds").exit_code == 0
    assert db.session.scalar(select(func.count(func.distinct(Certification.lineage)))) == 5


# --- the two regularities that catch 004's cuts, and what they leave alone -------------------

_HEADER = "\t\tMODALITÉS D'ÉVALUATION\tCRITÈRES D'ÉVALUATION"
_ROW = "Activité.\tCompétence.\tModalité.\tCritère."


def test_a_last_table_part_without_its_closing_separator_is_a_cut():
    from referentials.importers.detect import rncp_end_problems

    closed = [_HEADER, _ROW, "---\t---\t---\t---", "", _HEADER, _ROW, "--\t--\t---\t---"]
    assert rncp_end_problems(closed) == []
    [problem] = rncp_end_problems(closed[:-1])
    assert "n° 6" in problem and "commencée ligne 6" in problem and "coupé avant sa fin" in problem
    # A markdown table whose separator follows its header row opens the rows: nothing to close.
    opening = [_HEADER, "---\t---\t---\t---", _ROW, _ROW]
    assert rncp_end_problems(opening) == []


def test_one_bloc_where_the_document_speaks_of_its_blocs_is_a_cut(parsed):
    from copy import deepcopy

    from referentials.importers.detect import completeness_problems

    draft = deepcopy(parsed("004"))
    assert "les blocs de compétences sont autonomes" in draft.description
    assert completeness_problems(draft) == []
    draft.blocs = draft.blocs[:1]
    assert any("au pluriel" in p and "un seul bloc" in p for p in completeness_problems(draft))
    draft.description = "Certification en un bloc."
    assert not any("au pluriel" in p for p in completeness_problems(draft))
