"""The search index removed from under the running app: searches say so in French, uploads go on,
and `flask search reindex` brings every file back into the results."""
from __future__ import annotations

import shutil

from pathlib import Path


def test_the_search_index_removed(search_app, uploader, fresh_store, recovered):
    candidate = uploader.client
    before = uploader.post((b"Journal de la passerelle quetzalcoatl\n" * 20, "passerelle.log"))
    assert before.status_code == 200, before.text
    found = candidate.get("/recherche?q=quetzalcoatl")
    assert found.status_code == 200 and "passerelle.log" in found.text

    shutil.rmtree(Path(search_app.config["SEARCH_INDEX_DIR"]))

    lost = candidate.get("/recherche?q=quetzalcoatl")
    assert lost.status_code == 200
    assert "L'index de recherche est absent : lancez « flask search reindex »." in lost.text
    during = uploader.post((b"Journal du routeur ornithorynque\n" * 20, "routeur.log"))
    assert during.status_code == 200, during.text
    assert [v.filename for v in uploader.versions()] == ["passerelle.log", "routeur.log"]

    rebuilt = search_app.test_cli_runner().invoke(args=["search", "reindex"], catch_exceptions=False)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "passerelle.log" in candidate.get("/recherche?q=quetzalcoatl").text
    assert "routeur.log" in candidate.get("/recherche?q=ornithorynque").text
    recovered(fresh_store)
