"""The French analysis chain and the search box syntax (no database, no index).

The index-level counterparts of these examples (a document really found) are in test_search.py.
"""
from __future__ import annotations

import pytest
from whoosh import query as wq

from search.analysis import FrenchAnalyzer, alternatives, analyse, fold, prefix_terms, reference_analyzer
from search.query import (
    EMPTY_MESSAGE,
    LONE_WILDCARD_MESSAGE,
    MAX_QUERY_CHARS,
    ONLY_EXCLUSIONS_MESSAGE,
    STOP_WORDS_MESSAGE,
    parse_query,
)


def index_positions(text: str) -> list[set[str]]:
    """The terms the index holds for `text`, position by position."""
    positions: dict[int, set[str]] = {}
    for token in FrenchAnalyzer()(text, positions=True, mode="index"):
        positions.setdefault(token.pos, set()).add(token.text)
    return [positions[p] for p in sorted(positions)]


def meets(typed: str, written: str) -> bool:
    wanted, held = alternatives(typed), index_positions(written)
    return bool(wanted) and len(wanted) == len(held) and all(set(w) & h for w, h in zip(wanted, held))


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("evenement", "événements"),
        ("Événement", "evenements"),
        ("journaux", "journal"),
        ("journal", "journaux"),
        ("Pare-Feu", "pare-feu"),
        ("sécurité", "SECURITE"),
        ("securite", "Sécurité"),
        ("sauvegarde", "sauvegardée"),
        ("sauvegardee", "sauvegardées"),
        ("configurer", "configurée"),
        ("configuree", "configurée"),
        ("configuree", "configuré"),
        ("configurees", "configurés"),
        ("routeurs", "routeur"),
        ("coeur", "cœur"),
        ("creee", "créée"),
    ],
)
def test_words_meet_their_variants(typed, written):
    assert meets(typed, written)
    assert meets(written, typed)


def test_accented_words_are_indexed_under_both_spellings():
    assert index_positions("sécurité") == [{"secur", "securit"}]
    assert alternatives("sécurité") == [("secur", "securit")]
    assert alternatives("securite") == [("securit",)]


def test_hyphenated_word_is_two_consecutive_terms():
    # (The analyzer reuses one token object, as Whoosh's do: read each one as it comes.)
    assert [(t.text, t.pos) for t in FrenchAnalyzer()("le Pare-Feu", positions=True)] == [("par", 1), ("feu", 2)]


def test_stop_words_and_elisions_are_dropped_and_positions_renumbered():
    assert analyse("le la les de des du l'adresse d'un") == ["adress"]
    tokens = [(t.text, t.pos) for t in FrenchAnalyzer()("journal des événements", positions=True)]
    assert tokens == [("journal", 0), ("even", 1)]
    assert analyse("l'adresse d'un serveur") == ["adress", "serveur"]


def test_underscores_and_dots_split_words():
    assert analyse("max_retries 192.168.1.1") == analyse("max retries 192 168 1 1")


@pytest.mark.parametrize(
    "text",
    [
        "Journal des événements du Pare-Feu : l'adresse 192.168.1.1 d'un routeur a été configurée.",
        "Les journaux système (syslog) montrent qu'elle s'est connectée à 08:15 ; ÉCHEC d'authentification.",
        "Sauvegarde quotidienne — rétention 30 jours, chiffrement AES-256, cœur de réseau.",
    ],
)
def test_one_pass_analyzer_matches_the_stock_filter_chain(text):
    """Query mode (first terms only) is exactly the stock chain of steps 1–4."""
    fast = [(t.text, t.pos, t.startchar, t.endchar) for t in FrenchAnalyzer()(text, positions=True, chars=True, mode="query")]
    stock = [(t.text, t.pos, t.startchar, t.endchar) for t in reference_analyzer()(text, positions=True, chars=True)]
    assert fast == stock


@pytest.mark.parametrize(
    ("prefix", "folded", "stem"),
    [("journ", "journ", None), ("JOURN", "journ", None), ("événem", "evenem", "even"), ("journau", "journau", "journal"),
     ("configurat", "configurat", "configur"), ("pare", "pare", "par")],
)
def test_prefixes_are_folded_like_the_index(prefix, folded, stem):
    got_folded, stems = prefix_terms(prefix)
    assert got_folded == folded
    if stem:
        assert stem in stems
    # A stem of the words the prefix begins, never an unrelated shorter word ("jour" for "journ*").
    assert "jour" not in stems


# --- the search box --------------------------------------------------------------------------

def test_empty_query_asks_for_words():
    for text in ("", "   ", None, "\t\n"):
        parsed = parse_query(text)
        assert parsed.query is None and parsed.message == EMPTY_MESSAGE


def test_only_stop_words_says_so():
    parsed = parse_query("le la les de du")
    assert parsed.query is None
    assert parsed.message == STOP_WORDS_MESSAGE


def test_stop_words_next_to_real_words_are_dropped_with_a_notice():
    parsed = parse_query("le routeur")
    assert parsed.query is not None
    assert any("trop courants" in n for n in parsed.notices)


def test_ten_thousand_characters_are_truncated_with_a_notice():
    parsed = parse_query("journal " * 1250)
    assert parsed.query is not None
    assert len(parsed.text) <= MAX_QUERY_CHARS
    assert any("trop longue" in n and "10\u202f000" in n for n in parsed.notices)


def test_unbalanced_quote_searches_the_words_and_says_so():
    parsed = parse_query('"journal des événements')
    assert parsed.query is not None
    assert not [q for q in parsed.query.leaves() if isinstance(q, wq.Phrase)]
    assert any("guillemet" in n.lower() for n in parsed.notices)


def test_lone_star_is_explained():
    parsed = parse_query("*")
    assert parsed.query is None and parsed.message == LONE_WILDCARD_MESSAGE
    parsed = parse_query("routeur *")
    assert parsed.query is not None and parsed.notices


def test_hyphenated_word_becomes_a_phrase():
    for text in ("pare-feu", "Pare-Feu", '"pare-feu"', "«pare-feu»"):
        parsed = parse_query(text)
        phrases = [q for q in parsed.query.leaves() if isinstance(q, wq.Phrase)]
        assert phrases and all(p.words == ["par", "feu"] for p in phrases), text


def test_operators():
    parsed = parse_query("journal OU alerte -vlan")
    assert isinstance(parsed.query, wq.AndNot)
    assert parse_query("-vlan").message == ONLY_EXCLUSIONS_MESSAGE
    assert parse_query("NON vlan").message == ONLY_EXCLUSIONS_MESSAGE


def test_questions_and_odd_characters_never_fail():
    for text in ("comment configurer le VLAN ?", "C:\\Windows\\*", "***", "-", '"', '""', "(routeur", "a:b", "\x00\x07"):
        parsed = parse_query(text)
        # Either a query to run or a French message saying why there is none; never an exception.
        assert (parsed.query is not None) != bool(parsed.message), text


def test_short_prefix_is_refused_with_a_notice():
    parsed = parse_query("j*")
    assert parsed.query is None
    assert any("au moins 2 lettres" in n for n in parsed.notices)


def test_fold_matches_analyzer_folding():
    assert fold("Événement Cœur") == "evenement coeur"


def test_every_term_of_a_word_begins_with_its_folded_head():
    """The highlighter skips, without stemming them, the words whose folded first two letters
    begin none of the looked-for terms (analysis.may_give): that holds only if no term of a word
    changes its first two letters. Tricky French words (ligatures, diaeresis, y and u between
    vowels, elisions, participles, short words, numbers, log tokens)."""
    from search.analysis import TOKEN_RE, head_of, heads_of, may_give, terms_of

    text = (
        "Œuvre œuvrer cœur yeux aïeul naïve Noël où à y ii ça qu'il l'adresse d'accès jusqu'au "
        "configurée configuree configurées Éléments ÉCHEC élevés IPsec VLAN802 x86_64 0x1F ssh-keygen "
        "pare-feu sous-réseaux journaux journal journée journalisation sauvegardes sauvegardé "
        "paye payer essuyer appuyé guérir quelques aujourd'hui bâtiment île hôte Ärger straße"
    )
    for word in TOKEN_RE.findall(text):
        for term in terms_of(word) or ():
            head = head_of(word)
            assert term.startswith(head) or head.startswith(term), (word, term, head)
            assert may_give(word, heads_of({term}))
    assert not may_give("routeur", heads_of({"journal"}))
