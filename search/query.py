"""What a user types in the search box, turned into a Whoosh query, never into an error.

The syntax is small and forgiving:
- words: every word must appear (in any searched field): `journal pare-feu`;
- "quoted words" (or « guillemets ») for an exact expression; a hyphenated word is an expression too;
- `journ*`: words starting with "journ" (at least two letters before the star);
- `OU` (or `OR`) between two words or expressions: either one;
- `-mot` or `NON mot`: documents without that word.

Whatever cannot be understood is dropped with a French notice saying what was done instead; when
nothing searchable is left, `ParsedQuery.message` says what to type.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from whoosh import query as wq

from search.analysis import alternatives, prefix_terms, words_of
from search.schema import FIELD_BOOSTS

MAX_QUERY_CHARS = 500
MAX_CLAUSES = 24
MIN_PREFIX_CHARS = 2
# Spellings tried for one expression whose words have accent variants (beyond: first spellings only).
MAX_PHRASE_VARIANTS = 16

EMPTY_MESSAGE = (
    "Tapez un ou plusieurs mots à chercher : titre, description, justification, nom de fichier "
    "ou texte contenu dans les fichiers (par exemple : journal pare-feu)."
)
STOP_WORDS_MESSAGE = (
    "Votre recherche ne contient que des mots trop courants (le, la, de, pour…), qui ne sont pas indexés. "
    "Ajoutez un mot plus précis, par exemple : sauvegarde, VLAN, « journal des événements »."
)
LONE_WILDCARD_MESSAGE = (
    "« * » seul ne désigne aucun mot : tapez le début d'un mot suivi de *, par exemple journ* "
    "pour journal, journaux, journalisation."
)
ONLY_EXCLUSIONS_MESSAGE = "Votre recherche n'exclut que des mots : ajoutez au moins un mot à chercher."
NOTHING_LEFT_MESSAGE = "Rien à chercher dans cette saisie : tapez des mots, par exemple : configuration du routeur."

OR_WORDS = {"OU", "OR", "ou", "|"}
AND_WORDS = {"ET", "AND", "&", "+"}
NOT_WORDS = {"NON", "NOT"}
QUOTE_CHARS = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"'})
TOKEN_RE = re.compile(r'(-?)"([^"]*)"|(\S+)')
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass
class ParsedQuery:
    text: str
    query: wq.Query | None = None
    message: str | None = None
    notices: list[str] = field(default_factory=list)

    @property
    def searchable(self) -> bool:
        return self.query is not None


@dataclass
class _Clause:
    query: wq.Query
    negated: bool = False
    joined_by_or: bool = False


def _across_fields(make) -> wq.Query:
    return wq.Or([make(fieldname, boost) for fieldname, boost in FIELD_BOOSTS.items()])


def _term(fieldname: str, terms: tuple[str, ...], boost: float) -> wq.Query:
    if len(terms) == 1:
        return wq.Term(fieldname, terms[0], boost=boost)
    return wq.Or([wq.Term(fieldname, t, boost=boost) for t in terms])


def _phrases(fieldname: str, words: list[tuple[str, ...]], boost: float) -> wq.Query:
    spellings = list(itertools.islice(itertools.product(*words), MAX_PHRASE_VARIANTS + 1))
    if len(spellings) > MAX_PHRASE_VARIANTS:
        spellings = [tuple(w[0] for w in words)]
    phrases = [wq.Phrase(fieldname, list(s), boost=boost) for s in spellings]
    return phrases[0] if len(phrases) == 1 else wq.Or(phrases)


def _words_query(words: list[tuple[str, ...]]) -> wq.Query:
    """One word (any of its spellings), or an expression (its words next to each other), in any field."""
    if len(words) == 1:
        return _across_fields(lambda f, b: _term(f, words[0], b))
    return _across_fields(lambda f, b: _phrases(f, words, b))


def _prefix_query(words: list[str]) -> wq.Query | None:
    """`words` as typed before the star: all but the last are an expression, the last a prefix."""
    leading = alternatives(" ".join(words[:-1])) if len(words) > 1 else []
    folded, stems = prefix_terms(words[-1])

    def make(fieldname, boost):
        prefixes = wq.Or([wq.Prefix(fieldname, folded, boost=boost)] + [wq.Term(fieldname, s, boost=boost) for s in stems])
        if not leading:
            return prefixes
        before = _term(fieldname, leading[0], 1.0) if len(leading) == 1 else _phrases(fieldname, leading, 1.0)
        return wq.And([before, prefixes], boost=boost)

    return _across_fields(make)


class _Parser:
    def __init__(self, text: str):
        self.parsed = ParsedQuery(text=text)
        self.clauses: list[_Clause] = []
        self.saw_stop_words = False
        self.saw_lone_wildcard = False
        self.pending_or = False
        self.pending_not = False

    def notice(self, message: str) -> None:
        if message not in self.parsed.notices:
            self.parsed.notices.append(message)

    def add(self, query: wq.Query | None, negated: bool) -> None:
        negated = negated or self.pending_not
        self.pending_not = False
        if query is None:
            self.pending_or = False
            return
        if len(self.clauses) >= MAX_CLAUSES:
            self.notice(f"Votre recherche compte beaucoup de mots : seuls les {MAX_CLAUSES} premiers sont pris en compte.")
            return
        self.clauses.append(_Clause(query, negated, joined_by_or=self.pending_or and bool(self.clauses)))
        self.pending_or = False

    def phrase(self, inner: str, negated: bool) -> None:
        terms = alternatives(inner.replace("*", " "))
        if not terms:
            if words_of(inner):
                self.saw_stop_words = True
            self.add(None, negated)
            return
        self.add(_words_query(terms), negated)

    def word(self, raw: str) -> None:
        if raw in OR_WORDS:
            # Lower-case "ou" is a stop word anyway: reading it as the operator is what people mean.
            self.pending_or = bool(self.clauses)
            return
        if raw in AND_WORDS:
            return
        if raw in NOT_WORDS:
            self.pending_not = True
            return
        negated = False
        if raw.startswith("-") and len(raw) > 1:
            negated, raw = True, raw[1:]
        # "?" ends questions ("comment configurer le VLAN ?"); it is never a wildcard here.
        raw = raw.replace("?", " ").strip()
        if not raw:
            return
        if "*" in raw:
            self.wildcard(raw, negated)
            return
        terms = alternatives(raw)
        if not terms:
            if words_of(raw):
                self.saw_stop_words = True
            self.add(None, negated)
            return
        self.add(_words_query(terms), negated)

    def wildcard(self, raw: str, negated: bool) -> None:
        words = words_of(raw)
        if not words:
            self.saw_lone_wildcard = True
            self.add(None, negated)
            return
        body = raw.rstrip("*")
        if raw.endswith("*") and "*" not in body and " " not in body:
            if len(words[-1]) < MIN_PREFIX_CHARS:
                self.notice(f"Tapez au moins {MIN_PREFIX_CHARS} lettres avant * : « {raw} » a été ignoré.")
                self.add(None, negated)
                return
            self.add(_prefix_query(words), negated)
            return
        # A star inside or before a word is not a wildcard here: search the words themselves.
        self.notice("Seul * à la fin d'un mot est pris en charge (par exemple journ*) : les autres * ont été ignorés.")
        terms = alternatives(" ".join(words))
        if not terms:
            self.saw_stop_words = True
            self.add(None, negated)
            return
        self.add(_words_query(terms), negated)

    def build(self) -> ParsedQuery:
        parsed = self.parsed
        positives = [c for c in self.clauses if not c.negated]
        negatives = [c for c in self.clauses if c.negated]
        if not positives:
            if negatives:
                parsed.message = ONLY_EXCLUSIONS_MESSAGE
            elif self.saw_lone_wildcard:
                parsed.message = LONE_WILDCARD_MESSAGE
            elif self.saw_stop_words:
                parsed.message = STOP_WORDS_MESSAGE
            else:
                parsed.message = NOTHING_LEFT_MESSAGE
            return parsed
        if self.saw_lone_wildcard:
            self.notice("« * » seul a été ignoré : mettez-le à la fin d'un début de mot, par exemple journ*.")
        if self.saw_stop_words:
            self.notice("Les mots trop courants (le, la, de, pour…) ne sont pas pris en compte.")
        groups: list[list[wq.Query]] = []
        for clause in positives:
            if clause.joined_by_or and groups:
                groups[-1].append(clause.query)
            else:
                groups.append([clause.query])
        query = wq.And([g[0] if len(g) == 1 else wq.Or(g) for g in groups])
        if negatives:
            query = wq.AndNot(query, wq.Or([c.query for c in negatives]))
        parsed.query = query.normalize()
        return parsed


def parse_query(text: str | None) -> ParsedQuery:
    """The query for `text`, or a ParsedQuery whose `message` explains why there is nothing to search."""
    original = text or ""
    text = CONTROL_RE.sub(" ", original).strip()
    notices: list[str] = []
    if len(text) > MAX_QUERY_CHARS:
        cut = text[:MAX_QUERY_CHARS]
        space = cut.rfind(" ")
        text = (cut[:space] if space > MAX_QUERY_CHARS // 2 else cut).strip()
        notices.append(
            f"Votre recherche était trop longue ({len(original):,} caractères) : seuls les "
            f"{MAX_QUERY_CHARS} premiers caractères ont été pris en compte.".replace(",", "\u202f")
        )
    text = text.translate(QUOTE_CHARS)
    if text.count('"') % 2:
        last = text.rfind('"')
        text = text[:last] + " " + text[last + 1:]
        notices.append("Un guillemet n'était pas fermé : les mots qui le suivent sont cherchés un par un, pas comme une expression exacte.")
    parser = _Parser(text)
    parser.parsed.notices.extend(notices)
    if not text:
        parser.parsed.message = EMPTY_MESSAGE
        return parser.parsed
    for match in TOKEN_RE.finditer(text):
        minus, inner, word = match.groups()
        if word is None:
            parser.phrase(inner, negated=bool(minus))
        else:
            parser.word(word)
    return parser.build()
