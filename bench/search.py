"""Search benchmark: index synthetic French evidence, then time queries; SQLite FTS5 as a reference.

    .venv/bin/python bench/search.py                 # 100,000 documents, every backend
    .venv/bin/python bench/search.py --docs 5000     # a quick run
    .venv/bin/python bench/search.py --processes 2   # index with two processes
    .venv/bin/python bench/search.py --backends whoosh,postgresql,fts5 --pg-url postgresql+psycopg://…/probatio_bench

The PostgreSQL backend (search/postgres.py) is timed in its own database (created when missing;
its search_documents table is dropped and made again): never point --pg-url at a database in use.

Documents look like the index's own (search/documents.py): a title, a description, a
justification and the extracted text of a file (prose or log lines), a few hundred words in all.
Words follow a Zipf distribution over a vocabulary of IT and network terms (the frequent head) and
30,000 made-up words (the long tail of real texts), with stop words between them and a few
sentences that real dossiers repeat. Document n is the same on every run and in every process, so
indexing processes build their own slices.

Queries (one word, two words, a phrase, a prefix) are timed end to end as the search page runs
them: parse, restriction, first page of 20 ranked results with highlighted snippets, exact total
and counts per file kind. "scoped"
restricts to one candidate (what a candidate or a tutor sees), "unscoped" searches everything (an
administrator). `--submitted S` gives the documents of a share S of the candidates one frozen
copy each (a submitted dossier: `hidden` "frozen", as search/documents.py builds them); both
scopes exclude frozen copies as the search page does. FTS5 runs the same queries with `unicode61 remove_diacritics 2` (no stemming, so it
finds fewer documents: it is a speed reference, not an equivalent).
Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from whoosh import query as wq  # noqa: E402

from search.index import SearchIndex  # noqa: E402
from search.postgres import PostgresIndex  # noqa: E402
from search.query import parse_query  # noqa: E402
from search.searching import TIME_LIMIT_SECONDS, run_search  # noqa: E402

DOCS_PER_CANDIDATE = 100

# --- the corpus ------------------------------------------------------------------------------

NOUNS = (
    "réseau routeur commutateur pare-feu journal événement serveur adresse sauvegarde configuration sécurité "
    "utilisateur annuaire service domaine supervision incident alerte authentification certificat chiffrement "
    "virtualisation conteneur script déploiement interface passerelle sous-réseau VLAN DHCP DNS politique groupe "
    "droit accès protocole trafic paquet port règle filtrage redondance disponibilité cluster stockage volume disque "
    "base requête index procédure documentation plan adressage topologie câblage baie brassage switch VPN tunnel "
    "SSH HTTPS proxy relais messagerie sonde métrique tableau seuil capacité performance latence débit bande "
    "passante lien agrégation boucle spanning-tree routage table route OSPF BGP NAT translation masque préfixe "
    "hôte poste client imprimante ticket demande changement maintenance correctif vulnérabilité audit conformité "
    "restauration archive rétention clé secret coffre jeton session compte stratégie GPO forêt contrôleur "
    "réplication site inventaire parc licence logiciel matériel contrat fournisseur prestataire équipe projet "
    "planning budget livrable recette test validation environnement production préproduction développement "
    "intégration pipeline dépôt branche image registre orchestrateur nœud pod namespace quota ressource mémoire "
    "processeur charge événements journaux alertes règles serveurs routeurs commutateurs sauvegardes incidents "
    "équipements interfaces sondes tickets comptes certificats"
).split()
VERBS = (
    "configurer installer sécuriser superviser documenter sauvegarder restaurer déployer automatiser analyser "
    "diagnostiquer corriger vérifier tester valider migrer administrer paramétrer filtrer journaliser chiffrer "
    "authentifier répliquer segmenter router surveiller planifier rédiger présenter configuré installé vérifié"
).split()
ADJECTIVES = (
    "sécurisé redondant virtuel physique local distant public privé critique principal secondaire automatique "
    "manuel hebdomadaire quotidien chiffré supervisé documenté conforme disponible actif passif"
).split()
LINKS = "le la les un une des du de et pour avec sur dans par au aux en qui que est sont a".split()
HOSTS = ("srv-ad01", "srv-web02", "fw-edge", "sw-core01", "rt-wan", "nas-backup", "srv-mail", "vpn-gw", "srv-glpi")
LEVELS = ("INFO", "WARN", "ERROR", "NOTICE", "DEBUG")
FIRST_NAMES = ("Camille", "Léa", "Hugo", "Chloé", "Lucas", "Inès", "Théo", "Manon", "Nathan", "Zoé", "Jules", "Élodie")
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Lefèvre")
KINDS = ("image", "texte", "pdf", "document", "schéma", "script")
EXTENSIONS = {"image": "png", "texte": "log", "pdf": "pdf", "document": "docx", "schéma": "svg", "script": "sh"}
# Sentences real dossiers repeat, so that the phrase queries have something to find.
FIXED_SENTENCES = (
    "Le journal des événements du pare-feu montre les connexions refusées.",
    "La sauvegarde quotidienne du serveur de fichiers est vérifiée chaque matin.",
    "Le mot de passe administrateur est stocké dans le coffre de l'équipe.",
    "La table de routage du routeur principal a été mise à jour.",
    "Le serveur de fichiers est en haute disponibilité sur deux nœuds.",
    "Chaque sous-réseau a sa propre plage d'adresses dans le plan d'adressage.",
)
SYLLABLES = "ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga gi go la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo".split()
SUFFIXES = ("tion", "ment", "age", "eur", "ique", "ité", "ence", "oir", "iste", "at", "el", "on", "er", "ée")
TAIL_WORDS = 30_000
ZIPF_EXPONENT = 1.0


def _vocabulary(rnd: random.Random) -> tuple[list[str], list[float]]:
    """IT words first (the frequent head), then made-up words (the long tail of real texts:
    names, products, rare terms), with Zipf-distributed frequencies."""
    head = NOUNS + VERBS + ADJECTIVES
    rnd.shuffle(head)
    tail = set()
    while len(tail) < TAIL_WORDS:
        word = "".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 4))) + rnd.choice(SUFFIXES)
        tail.add(word)
    words = head + sorted(tail)
    rnd.shuffle(words[len(head):])
    weights, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += 1.0 / rank ** ZIPF_EXPONENT
        weights.append(total)
    return words, weights


def _sentence(rnd: random.Random, words: list[str], cumulative: list[float], length: int) -> str:
    content = rnd.choices(words, cum_weights=cumulative, k=length)
    out = [rnd.choice(LINKS) if rnd.random() < 0.3 else word for word in content]
    text = " ".join(out)
    return text[:1].upper() + text[1:] + "."


def _log_line(rnd: random.Random, words: list[str], cumulative: list[float]) -> str:
    return (
        f"2024-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d} {rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:"
        f"{rnd.randint(0, 59):02d} {rnd.choice(HOSTS)} {rnd.choice(LEVELS)} {_sentence(rnd, words, cumulative, rnd.randint(4, 9))} "
        f"src=192.168.{rnd.randint(0, 20)}.{rnd.randint(1, 254)}"
    )


class Corpus:
    """Pools of sentences and log lines drawn once (same seed everywhere), combined per document."""

    def __init__(self, seed: int = 20240601):
        rnd = random.Random(seed)
        words, cumulative = _vocabulary(rnd)
        self.sentences = [_sentence(rnd, words, cumulative, rnd.randint(8, 18)) for _ in range(100_000)]
        self.sentences += list(FIXED_SENTENCES) * 150
        self.titles = [_sentence(rnd, words, cumulative, rnd.randint(5, 10)).rstrip(".") for _ in range(20_000)]
        self.log_lines = [_log_line(rnd, words, cumulative) for _ in range(50_000)]

    def _prose(self, rnd: random.Random, words: int) -> str:
        out, count = [], 0
        sentences = self.sentences
        while count < words:
            sentence = sentences[int(rnd.random() * len(sentences))]
            out.append(sentence)
            count += sentence.count(" ") + 1
        return " ".join(out)

    def document(self, n: int) -> dict:
        rnd = random.Random(n)
        kind = KINDS[n % len(KINDS)]
        candidate = n // DOCS_PER_CANDIDATE
        words = rnd.randint(150, 350)
        if kind in ("texte", "script"):
            lines = self.log_lines
            content = "\n".join(lines[int(rnd.random() * len(lines))] for _ in range(words // 12))
        else:
            content = self._prose(rnd, words)
        return {
            "doc_id": f"v{n}", "fingerprint": "", "evidence_id": str(n), "evidence_number": n % DOCS_PER_CANDIDATE + 1,
            "version_id": str(n), "version_number": 1, "portfolio_id": str(candidate), "candidate_id": str(candidate),
            "candidate_name": f"{FIRST_NAMES[candidate % 12]} {LAST_NAMES[candidate // 12 % 11]}",
            "certification_id": str(candidate % 5 + 1), "certification_code": f"RNCP3{candidate % 5 + 1}",
            "bloc_ids": str(rnd.randint(1, 4)), "bloc_codes": "", "criterion_ids": str(rnd.randint(1, 40)),
            "criterion_keys": "", "kind": kind, "status": "ready", "is_current": True, "is_live": True,
            "submission_ids": "", "extraction_status": "done", "extraction_error": "",
            "title": self.titles[int(rnd.random() * len(self.titles))],
            "description": self._prose(rnd, rnd.randint(30, 60)),
            "justifications": self._prose(rnd, rnd.randint(20, 40)),
            "filename": f"{NOUNS[n % len(NOUNS)].lower()}-{n}.{EXTENSIONS[kind]}",
            "content": content,
        }


_CORPUS: Corpus | None = None


def corpus() -> Corpus:
    global _CORPUS
    if _CORPUS is None:
        _CORPUS = Corpus()
    return _CORPUS


def submitted(candidate: int, share: float) -> bool:
    """Whether this candidate has submitted their dossier (the same on every run)."""
    return candidate % 100 < share * 100


def frozen_copy(document: dict, candidate: int) -> dict:
    """The document as a submission froze it (one submission per candidate, numbered like them)."""
    return {**document, "doc_id": f"s{candidate}{document['doc_id']}", "submission_ids": str(candidate + 1)}


def corpus_slice(bounds: tuple[int, int, float]):
    """The documents of one indexing chunk (module-level: sent to indexing processes)."""
    start, stop, share = bounds
    source = corpus()
    for n in range(start, stop):
        document = source.document(n)
        yield document
        candidate = n // DOCS_PER_CANDIDATE
        if share and submitted(candidate, share):
            yield frozen_copy(document, candidate)


# --- queries ---------------------------------------------------------------------------------

QUERIES = {
    "un mot": ["routeur", "sauvegarde", "certificat", "supervision", "vlan", "journaux", "événement", "redondance"],
    "deux mots": ["routeur sauvegarde", "certificat chiffrement", "vlan commutateur", "incident alerte",
                  "serveur restauration", "politique GPO", "tunnel vpn", "journal pare-feu"],
    "expression": ['"journal des événements"', '"mot de passe"', '"sauvegarde quotidienne"', '"pare-feu"',
                   '"serveur de fichiers"', '"table de routage"', '"haute disponibilité"', '"sous-réseau"'],
    "préfixe": ["journ*", "sauveg*", "config*", "certif*", "superv*", "rout*", "chiffr*", "authent*"],
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def time_whoosh(index: SearchIndex, candidates: list[int], repeat: int, time_limit: float | None) -> dict:
    searcher = index.searcher()
    figures = {}
    rnd = random.Random(7)
    # As search/services.py scopes searches: a candidate's portfolio as it is today, or
    # everything (an administrator) less frozen copies, past and removed versions.
    hidden = wq.Or([wq.Term("hidden", "frozen"), wq.Term("hidden", "removed"), wq.Term("hidden", "past")])
    for label, texts in QUERIES.items():
        for scope in ("sans filtre", "un candidat"):
            timings, totals, partial = [], [], 0
            for round_ in range(repeat + 1):
                for text in texts:
                    restriction, exclusion = None, hidden
                    if scope == "un candidat":
                        restriction, exclusion = wq.AndNot(wq.Term("portfolio_id", str(rnd.choice(candidates))), hidden), None
                    started = time.perf_counter()
                    parsed = parse_query(text)
                    page = run_search(searcher, parsed.query, restriction=restriction, exclusion=exclusion,
                                      page=1, per_page=20, with_facets=True, time_limit=time_limit)
                    elapsed = time.perf_counter() - started
                    if round_:  # the first round warms caches
                        timings.append(elapsed * 1000)
                        totals.append(page.total)
                        partial += page.partial
            figures[(label, scope)] = (timings, statistics.mean(totals), f"{partial}/{len(timings)}")
    return figures


def time_backend(index, candidates: list[int], repeat: int) -> dict:
    """The same query sets through a backend's search_page (exact totals, counts per kind)."""
    figures = {}
    rnd = random.Random(7)
    hidden = wq.Or([wq.Term("hidden", "frozen"), wq.Term("hidden", "removed"), wq.Term("hidden", "past")])
    for label, texts in QUERIES.items():
        for scope in ("sans filtre", "un candidat"):
            timings, totals = [], []
            for round_ in range(repeat + 1):
                for text in texts:
                    restriction, exclusion = None, hidden
                    if scope == "un candidat":
                        restriction, exclusion = wq.AndNot(wq.Term("portfolio_id", str(rnd.choice(candidates))), hidden), None
                    started = time.perf_counter()
                    page = index.search_page(parse_query(text).query, restriction=restriction, exclusion=exclusion,
                                             page=1, per_page=20, with_facets=True)
                    elapsed = time.perf_counter() - started
                    if round_:
                        timings.append(elapsed * 1000)
                        totals.append(page.total)
            figures[(label, scope)] = (timings, statistics.mean(totals), "0/" + str(len(timings)))
    return figures


def postgres_index(url: str, reuse: bool = False) -> PostgresIndex:
    """A fresh search_documents table in the bench database (made when missing); with `reuse`,
    the table of an earlier run is kept when it exists."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from search.models import SearchDocument

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).scalar():
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = create_engine(target)
    if not reuse:
        SearchDocument.__table__.drop(engine, checkfirst=True)
    SearchDocument.__table__.create(engine, checkfirst=True)
    return PostgresIndex(engine)


def build_fts(path: Path, docs: int) -> float:
    started = time.perf_counter()
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(candidate, title, description, justifications, filename, "
        "candidate_name, content, tokenize='unicode61 remove_diacritics 2')"
    )
    source = corpus()
    batch = []
    for n in range(docs):
        d = source.document(n)
        batch.append((f"c{d['candidate_id']}", d["title"], d["description"], d["justifications"], d["filename"],
                      d["candidate_name"], d["content"]))
        if len(batch) == 5000:
            connection.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
            batch = []
    connection.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
    connection.commit()
    connection.close()
    return time.perf_counter() - started


def fts_query(text: str) -> str:
    if text.startswith('"'):
        return text.replace("-", " ")
    if text.endswith("*"):
        return text
    return " ".join(f'"{word}"' for word in text.split())


def time_fts(path: Path, candidates: list[int], repeat: int) -> dict:
    connection = sqlite3.connect(path)
    figures = {}
    rnd = random.Random(7)
    for label, texts in QUERIES.items():
        for scope in ("sans filtre", "un candidat"):
            timings, totals = [], []
            for round_ in range(repeat + 1):
                for text in texts:
                    match = fts_query(text)
                    if scope == "un candidat":
                        match = f"candidate:c{rnd.choice(candidates)} AND ({match})"
                    started = time.perf_counter()
                    total = connection.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]
                    rows = connection.execute(
                        "SELECT rowid, title, snippet(docs, 6, '<mark>', '</mark>', ' … ', 24) FROM docs "
                        "WHERE docs MATCH ? ORDER BY bm25(docs, 0, 3, 1.5, 1.5, 2, 1, 1) LIMIT 20",
                        (match,),
                    ).fetchall()
                    elapsed = time.perf_counter() - started
                    assert len(rows) <= 20
                    if round_:
                        timings.append(elapsed * 1000)
                        totals.append(total)
            figures[(label, scope)] = (timings, statistics.mean(totals), "—")
    connection.close()
    return figures


def print_table(title: str, figures: dict) -> None:
    print(f"\n{title}")
    print("| requête | portée | p50 (ms) | p95 (ms) | résultats (moyenne) | coupées par la limite |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for (label, scope), (timings, total, partial) in figures.items():
        row = f"| {label} | {scope} | {percentile(timings, 50):.1f} | {percentile(timings, 95):.1f} | {total:,.0f} | {partial} |"
        print(row.replace(",", " "))


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=1, help="indexing processes (default 1)")
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds of each query set")
    parser.add_argument("--keep", type=Path, help="build the index in this folder and keep it")
    parser.add_argument("--submitted", type=float, default=0.0,
                        help="share of candidates whose documents also have a frozen copy (0 to 1, default 0)")
    parser.add_argument("--backends", default="whoosh,postgresql,fts5", help="comma-separated: whoosh, postgresql, fts5")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/probatio_bench",
                        help="database for the postgresql backend (its search_documents table is replaced)")
    parser.add_argument("--pg-reuse", action="store_true",
                        help="keep the search_documents table of an earlier run with the same --docs (no indexing)")
    args = parser.parse_args()
    backends = {b.strip() for b in args.backends.split(",") if b.strip()}

    work = Path(tempfile.mkdtemp(prefix="probatio-bench-search-"))
    index_dir = args.keep or work / "index"
    try:
        if args.submitted:
            print(f"Dépôts : {args.submitted:.0%} des candidats ont une copie figée de leurs documents")
        print(f"Corpus : {args.docs:,} documents synthétiques ; {os.cpu_count()} cœurs annoncés, "
              f"charge moyenne au départ {os.getloadavg()[0]:.1f}".replace(",", " ", 1))
        sample = [corpus().document(n) for n in range(min(args.docs, 2000))]
        words = statistics.mean(sum(len(str(d[f]).split()) for f in ("title", "description", "justifications", "content")) for d in sample)
        print(f"Mots par document (moyenne) : {words:.0f}")

        # One chunk per process (each writes one segment); in one process, chunks only pace the progress.
        size = -(-args.docs // args.processes) if args.processes > 1 else 10_000
        bounds = [(start, min(args.docs, start + size), args.submitted) for start in range(0, args.docs, size)]
        last = [time.perf_counter()]

        def progress(done: int) -> None:
            if time.perf_counter() - last[0] > 15:
                last[0] = time.perf_counter()
                print(f"  … {done:,} documents".replace(",", " "), flush=True)

        candidates = list(range(max(1, args.docs // DOCS_PER_CANDIDATE)))
        limit_ms = TIME_LIMIT_SECONDS * 1000
        if "whoosh" in backends:
            index = SearchIndex(index_dir)
            started = time.perf_counter()
            count = index.rebuild(bounds, corpus_slice, processes=args.processes, on_progress=progress)
            whoosh_seconds = time.perf_counter() - started
            print(f"Whoosh : {count:,} documents indexés en {whoosh_seconds:.0f} s ".replace(",", " ")
                  + f"({count / whoosh_seconds:.0f} documents/s, {args.processes} processus), "
                  + f"index de {folder_size(index_dir) / 1e6:.0f} Mo ; charge moyenne {os.getloadavg()[0]:.1f}")
            print_table(f"Whoosh, comme la page de recherche (limite de collecte {limit_ms:.0f} ms)",
                        time_whoosh(index, candidates, args.repeat, TIME_LIMIT_SECONDS))
            print_table("Whoosh sans limite de temps (totaux exacts, 1 tour)", time_whoosh(index, candidates, 1, None))
        if "postgresql" in backends:
            from sqlalchemy import text

            pg = postgres_index(args.pg_url, reuse=args.pg_reuse)
            started = time.perf_counter()
            cpu_before = os.times()
            count = pg.doc_count() if args.pg_reuse else 0
            if count < args.docs:  # nothing to reuse (or another corpus size): index
                count = pg.rebuild(bounds, corpus_slice, processes=args.processes, on_progress=progress)
            with pg.engine.begin() as connection:
                connection.execute(text("ANALYZE search_documents"))
                size_mb = connection.execute(text("SELECT pg_total_relation_size('search_documents')")).scalar() / 1e6
            pg_seconds = time.perf_counter() - started
            cpu_after = os.times()
            python_cpu = sum(cpu_after[i] - cpu_before[i] for i in range(4))  # this process and its indexing processes
            print(f"PostgreSQL : {count:,} documents indexés en {pg_seconds:.0f} s ".replace(",", " ")
                  + f"({count / pg_seconds:.0f} documents/s, {args.processes} processus), "
                  + f"table et index de {size_mb:.0f} Mo ; charge moyenne {os.getloadavg()[0]:.1f} ; "
                  + f"CPU côté Python {python_cpu:.0f} s (le serveur PostgreSQL en plus)")
            print_table("PostgreSQL (search_documents, tsvector + GIN ; totaux exacts, comptes par type)",
                        time_backend(pg, candidates, args.repeat))
            pg.engine.dispose()
        if "fts5" in backends:
            fts_path = work / "fts.sqlite"
            fts_cpu = time.process_time()
            fts_seconds = build_fts(fts_path, args.docs)
            fts_cpu = time.process_time() - fts_cpu
            print(f"FTS5 : chargé en {fts_seconds:.0f} s (CPU {fts_cpu:.0f} s, 1 processus), base de "
                  f"{fts_path.stat().st_size / 1e6:.0f} Mo ; charge moyenne {os.getloadavg()[0]:.1f}")
            print_table("SQLite FTS5 (référence : première page de 20 avec snippet(), et count(*))", time_fts(fts_path, candidates, args.repeat))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
