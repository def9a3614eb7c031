"""French text analysis shared by the index and the query side.

The chain, in order:

1. tokenizer: runs of letters and digits; hyphens, underscores, apostrophes and dots split words,
   so "pare-feu" is the two tokens "pare", "feu" at consecutive positions and "l'adresse" gives
   "l", "adresse";
2. lower case;
3. French stop words, compared without accents ("été", "ete"), plus the elided letters (l, d,
   qu…); positions are renumbered so that "journal des événements" is still a phrase without "des";
4. Snowball French stemmer on the word as written, then accent folding of the stem (Whoosh's
   accent_map, plus œ → oe and æ → ae): "événements" → "even", "sécurité" → "secur",
   "sauvegardée" → "sauvegard", "journaux" → "journal". This is the query's term for a word.
5. when a word has accents, the stem of its folded spelling too, at the same position ("sécurité"
   also gives "securit", "sauvegardée" also "sauvegarde"): the index holds both terms and a query
   looks for either (`alternatives`), so "securite" finds "sécurité" and "sécurité" finds a log
   written "SECURITE";
6. when a word written without accents ends in "ee" or "ees", also the stem of its "ée" / "ées"
   spelling: "configuree" gives "configure" and "configur", so it finds "configuré" (whose stems
   are both "configur") as well as "configurée".

Stemming before folding matters: the stemmer knows French endings with their accents (-é, -ée,
-ées); stemming folded words leaves "sauvegardee" as "sauvegarde" while "sauvegarde" gives
"sauvegard". Step 5 keeps the accent-less queries working.

`reference_analyzer()` spells steps 1–4 with Whoosh's stock filters; `FrenchAnalyzer` does the
whole chain in one pass with a per-word cache (indexing spends most of its time here), and the
tests check that both agree. Prefix queries (`journ*`) are not analysed by Whoosh;
`prefix_terms` folds them the same way and finds the stems they can lead to.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter, Token
from whoosh.analysis.tokenizers import Tokenizer
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

TOKEN_PATTERN = r"[^\W_]+"
TOKEN_RE = re.compile(TOKEN_PATTERN)
# Elided articles and pronouns, plus a few words that carry no meaning in a search box.
# (Whoosh's French list lacks "les".)
EXTRA_STOP_WORDS = {
    "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu",
    "les", "cet", "cette", "ceci", "cela", "ça",
}
# Joins texts indexed in one field; the analyzer leaves a gap of positions at each one.
PART_SEPARATOR = "\x1e"
PART_GAP = 100
# Words longer than this are not stemmed (hashes, base64 in logs) and stay as they are.
MAX_STEMMED_LENGTH = 40

# Whoosh's accent map, plus the ligatures French writes both ways ("cœur" and "coeur").
FOLD_TABLE = {**accent_map, ord("œ"): "oe", ord("æ"): "ae"}


def fold(text: str) -> str:
    """Lower-case and strip accents (no stemming)."""
    return text.lower().translate(FOLD_TABLE)


_RAW_STOP_WORDS = set(stopwords_for_language("fr")) | EXTRA_STOP_WORDS
STOP_WORDS: frozenset[str] = frozenset(fold(word) for word in _RAW_STOP_WORDS)
_snowball = stemmer_for_language("fr")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """The Snowball French stem of a lower-case word (accents kept as given)."""
    if len(word) > MAX_STEMMED_LENGTH:
        return word
    return _snowball(word)


def _folded_stem(word: str) -> str:
    return fold(stem(word))


def reference_analyzer():
    """Steps 1–4 with Whoosh's stock filters (slower; kept as the definition to test against)."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS | frozenset(w.lower() for w in _RAW_STOP_WORDS), minsize=1, renumber=True)
        | StemFilter(stemfn=_folded_stem, cachesize=None)
    )


# word as written → its terms (query term first), or None for a stop word. Bounded: logs are
# full of one-off tokens.
_TERM_CACHE: dict[str, tuple[str, ...] | None] = {}
_TERM_CACHE_LIMIT = 200_000


def terms_of(word: str) -> tuple[str, ...] | None:
    """The index terms of one word as the tokenizer cut it (the query's term first), or None
    when it is a stop word."""
    try:
        return _TERM_CACHE[word]
    except KeyError:
        pass
    lowered = word.lower()
    folded = lowered.translate(FOLD_TABLE)
    if folded in STOP_WORDS:
        terms = None
    else:
        primary = fold(stem(lowered))
        found = [primary]
        if folded != lowered:
            found.append(stem(folded))
        else:
            restored = _restore_participle(lowered)
            if restored:
                found.append(fold(stem(restored)))
        terms = tuple(dict.fromkeys(found))
    if len(_TERM_CACHE) >= _TERM_CACHE_LIMIT:
        _TERM_CACHE.clear()
    _TERM_CACHE[word] = terms
    return terms


HEAD_LENGTH = 2


def head_of(word: str) -> str:
    """The first HEAD_LENGTH characters of a word folded: every term of the word (terms_of)
    begins with them, or is a beginning of them (Snowball's French stemmer only changes what
    follows the second letter; folding is the same on both sides). Lets the highlighter skip,
    without stemming it, a word that cannot give any of the terms it looks for."""
    return fold(word[:HEAD_LENGTH + 1])[:HEAD_LENGTH]


def heads_of(terms) -> tuple[frozenset[str], frozenset[str]]:
    """(heads of length HEAD_LENGTH, shorter heads) of a set of terms or prefixes."""
    full = frozenset(t[:HEAD_LENGTH] for t in terms if len(t) >= HEAD_LENGTH)
    short = frozenset(t for t in terms if len(t) < HEAD_LENGTH)
    return full, short


def may_give(word: str, heads: tuple[frozenset[str], frozenset[str]]) -> bool:
    """False when no term of `word` can begin with one of the heads (heads_of)."""
    full, short = heads
    head = word[:HEAD_LENGTH + 1].lower().translate(FOLD_TABLE)[:HEAD_LENGTH]  # head_of, inlined
    return head in full or (bool(short) and any(head.startswith(s) for s in short))


def _restore_participle(word: str) -> str | None:
    """"configuree" -> "configurée", "configurees" -> "configurées" (step 6); None otherwise."""
    for ending, accented in (("ees", "ées"), ("ee", "ée")):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            return word[: -len(ending)] + accented
    return None


class FrenchAnalyzer(Tokenizer):
    """The whole chain as one Whoosh tokenizer (an analyzer in its own right).

    In "query" mode each word gives its first term only; otherwise (indexing, highlighting) an
    accented word may give a second term at the same position and characters.
    """

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost = 1.0
        if not tokenize:
            # Whoosh asks for the value as one token (e.g. a wildcard text): fold it, no stemming.
            token.text = fold(value)
            token.original = value
            token.stopped = False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        query = mode == "query"
        # Positions as Whoosh's StopFilter(renumber=True) gives them: the first kept word keeps its
        # place, the next kept words follow it without gaps, stop words keep their own place.
        # A PART_SEPARATOR opens a gap of PART_GAP positions (texts joined in one field do not
        # form phrases across their boundary).
        pos = None
        place = start_pos
        offset = 0
        parts = value.split(PART_SEPARATOR) if PART_SEPARATOR in value else (value,)
        for part in parts:
            for match in TOKEN_RE.finditer(part):
                word = match.group(0)
                terms = terms_of(word)
                if keeporiginal:
                    token.original = word
                if chars:
                    token.startchar = start_char + offset + match.start()
                    token.endchar = start_char + offset + match.end()
                if terms is None:
                    if not removestops:
                        token.text = fold(word)
                        token.stopped = True
                        if positions:
                            token.pos = place
                        yield token
                    place += 1
                    continue
                token.stopped = False
                pos = place if pos is None else pos + 1
                place += 1
                if positions:
                    token.pos = pos
                token.text = terms[0]
                yield token
                if not query:
                    for extra in terms[1:]:
                        token.text = extra
                        yield token
            offset += len(part) + len(PART_SEPARATOR)
            if pos is not None:
                pos += PART_GAP
            place += PART_GAP


def french_analyzer() -> FrenchAnalyzer:
    return FrenchAnalyzer()


_ANALYZER = FrenchAnalyzer()


def analyse(text: str) -> list[str]:
    """The first term of each word of `text` that is not a stop word, in order."""
    return [token.text for token in _ANALYZER(text, mode="query")]


def alternatives(text: str) -> list[tuple[str, ...]]:
    """For each word of `text` that is not a stop word, the terms a query accepts for it."""
    found = []
    for word in TOKEN_RE.findall(text):
        terms = terms_of(word)
        if terms is not None:
            found.append(terms)
    return found


def words_of(text: str) -> list[str]:
    """The words the tokenizer cuts from `text`, as written."""
    return TOKEN_RE.findall(text)


# Endings French words commonly have after their stem (folded): used to guess which stems a
# prefix can belong to.
COMPLETIONS = (
    "e", "es", "s", "x", "er", "ee", "ees", "ement", "ements", "ment", "ments", "ation", "ations", "ateur",
    "ateurs", "atrice", "ition", "itions", "ite", "ites", "eur", "eurs", "euse", "euses", "age", "ages", "al",
    "ale", "ales", "aux", "ique", "iques", "isme", "iste", "istes", "ance", "ances", "ence", "ences", "able",
    "ables", "ible", "ibles", "if", "ive", "ifs", "ives", "ion", "ions", "ant", "ante", "ants", "ent", "ents",
    "iser", "isation", "isations", "eau", "eaux",
)


def prefix_terms(prefix: str) -> tuple[str, list[str]]:
    """What a user prefix (`journ*`, `événem*`) must match in an index of stems.

    Returns the folded prefix, matched as a prefix of index terms, and the stems of the words the
    prefix can begin whose stem is shorter than the prefix or spelled differently: the index holds
    "even" for "événements", so "événem*" must also match the term "even"; "journau*" must match
    "journal". Those stems are found by completing the prefix with common French endings and
    stemming the result; only stems that keep most of the prefix are kept.
    """
    folded = fold(prefix)
    required = max(3, len(folded) - 4)
    stems: set[str] = set()
    for ending in COMPLETIONS:
        for overlap in range(min(len(ending), len(folded)), -1, -1):
            if overlap and not folded.endswith(ending[:overlap]):
                continue
            candidate = stem(folded + ending[overlap:])
            if candidate.startswith(folded):
                continue
            if len(os.path.commonprefix([candidate, folded])) >= required and len(candidate) >= 3:
                stems.add(candidate)
    return folded, sorted(stems)
