"""The portable YAML format of a referential (docs/referential-format.md).

`draft_to_yaml` is deterministic: fixed key order, UTF-8 characters as they are, no anchors or
aliases, multi-line texts as literal blocks; so export → import → export is byte-identical.
`draft_from_yaml` validates everything and names the faulty field in its French message, e.g.
"blocs[2].evaluations[0].criteria[3].text : champ obligatoire".

Not exported: the `order` fields (the position in each list is the order) and `unplaced` (a
diagnostic of one parse, not part of the referential).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

import yaml

from referentials.importers.draft import (
    BlocDraft,
    CertificationDraft,
    CompetenceDraft,
    CriterionDraft,
    DeliverableDraft,
    EvaluationDraft,
    RulesDraft,
    renumber,
)
from referentials.importers.errors import ReferentialImportError

FORMAT_VERSION = 1


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


_NUMBER_LIKE = re.compile(r"[-+]?(\.?[0-9][0-9_.:]*([eE][-+]?[0-9]+)?|\.inf|\.nan)", re.I)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    # "08", "1.0", "2013": quoted, so that no YAML reader (1.1 or 1.2) takes them for numbers.
    style = "'" if _NUMBER_LIKE.fullmatch(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def draft_to_yaml(draft: CertificationDraft) -> str:
    """The referential as YAML text (format_version 1)."""
    rules = draft.rules
    data = {
        "format_version": FORMAT_VERSION,
        "title": draft.title or None,
        "certifier": draft.certifier,
        "code": draft.code,
        "key": draft.key,
        "level": draft.level,
        "version": draft.version,
        "validation_date": draft.validation_date,
        "source_name": draft.source_name,
        "source_sha256": draft.source_sha256,
        "rules": {
            "dossier_min_pages": rules.dossier_min_pages,
            "interview_minutes": rules.interview_minutes,
            "questionnaire_minutes": rules.questionnaire_minutes,
            "extra_time_ratio": rules.extra_time_ratio,
            "all_blocs_required": rules.all_blocs_required,
        },
        "transversal_competences": list(draft.transversal_competences),
        "description": draft.description,
        "blocs": [
            {
                "code": bloc.code,
                "title": bloc.title,
                "description": bloc.description,
                "competences": [
                    {
                        "code": c.code,
                        "key": c.key,
                        "text": c.text,
                        "description": c.description,
                        "savoir_faire": list(c.savoir_faire),
                    }
                    for c in bloc.competences
                ],
                "evaluations": [
                    {
                        "code": e.code,
                        "modality": e.modality,
                        "competence_codes": list(e.competence_codes),
                        "deliverables": [d.text for d in e.deliverables],
                        "criteria": [
                            {
                                "code": c.code,
                                "key": c.key,
                                "heading": c.heading,
                                "text": c.text,
                                "indicators": list(c.indicators),
                                "competence_codes": list(c.competence_codes),
                            }
                            for c in e.criteria
                        ],
                    }
                    for e in bloc.evaluations
                ],
            }
            for bloc in draft.blocs
        ],
    }
    if draft.incomplete:  # only for a document loaded although cut or incomplete
        data = {**{k: v for k, v in data.items() if k != "blocs"}, "incomplete": list(draft.incomplete), "blocs": data["blocs"]}
    if draft.unverified:  # only while nobody confirmed a document that shows no sign of its end
        data = {**{k: v for k, v in data.items() if k != "blocs"}, "completeness_unverified": draft.unverified, "blocs": data["blocs"]}
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)


def draft_from_yaml(text: str | bytes) -> CertificationDraft:
    """Read and validate a portable YAML referential; raise ReferentialImportError if invalid."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ReferentialImportError(
                f"Le fichier YAML n'est pas un texte UTF-8 valide (position {error.start})."
            ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (ligne {mark.line + 1}, colonne {mark.column + 1})" if mark else ""
        detail = getattr(error, "problem", None) or str(error)
        raise ReferentialImportError(
            f"YAML illisible{where} : syntaxe incorrecte (détail technique : {detail})."
        ) from None
    reader = _Reader()
    draft = reader.certification(data)
    _check_references(draft)
    renumber(draft)
    return draft


class _Reader:
    """Builds the draft field by field, keeping the path of the field being read."""

    def _mapping(self, value: Any, path: str, fields: tuple[str, ...]) -> dict:
        if not isinstance(value, dict):
            raise ReferentialImportError("doit être un objet (des champs « nom: valeur »)", path=path or "document")
        for name in value:
            if name not in fields:
                raise ReferentialImportError(
                    f"champ inconnu (champs permis : {', '.join(fields)})", path=_join(path, str(name))
                )
        return value

    def _text(self, data: dict, name: str, path: str, *, required: bool = False, nullable: bool = False) -> str | None:
        where = _join(path, name)
        value = data.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, dt.date):
            value = value.isoformat()
        if value is None or value == "":
            if required:
                raise ReferentialImportError("champ obligatoire", path=where)
            return None if nullable else ""
        if not isinstance(value, str):
            raise ReferentialImportError("doit être un texte", path=where)
        if required and not value.strip():
            raise ReferentialImportError("champ obligatoire", path=where)
        return value

    def _int(self, data: dict, name: str, path: str) -> int | None:
        value = data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ReferentialImportError("doit être un nombre entier positif ou vide", path=_join(path, name))
        return value

    def _texts(self, data: dict, name: str, path: str, *, required: bool = False) -> list[str]:
        where = _join(path, name)
        value = data.get(name)
        if value is None:
            value = []
        if not isinstance(value, list):
            raise ReferentialImportError("doit être une liste de textes", path=where)
        if required and not value:
            raise ReferentialImportError("liste vide : au moins un élément est obligatoire", path=where)
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise ReferentialImportError("doit être un texte non vide", path=f"{where}[{i}]")
        return list(value)

    def _list(self, data: dict, name: str, path: str, read: Callable[[Any, str], Any]) -> list:
        where = _join(path, name)
        value = data.get(name)
        if value is None:
            raise ReferentialImportError("champ obligatoire", path=where)
        if not isinstance(value, list):
            raise ReferentialImportError("doit être une liste", path=where)
        if not value:
            raise ReferentialImportError("liste vide : au moins un élément est obligatoire", path=where)
        return [read(item, f"{where}[{i}]") for i, item in enumerate(value)]

    def certification(self, data: Any) -> CertificationDraft:
        fields = (
            "format_version",
            "title",
            "incomplete",
            "completeness_unverified",
            "certifier",
            "code",
            "key",
            "level",
            "version",
            "validation_date",
            "source_name",
            "source_sha256",
            "rules",
            "transversal_competences",
            "description",
            "blocs",
        )
        data = self._mapping(data, "", fields)
        version = data.get("format_version")
        if version is None:
            raise ReferentialImportError("champ obligatoire", path="format_version")
        if version != FORMAT_VERSION:
            raise ReferentialImportError(
                f"version {version!r} non prise en charge (attendue : {FORMAT_VERSION})", path="format_version"
            )
        validation_date = self._text(data, "validation_date", "", nullable=True)
        if validation_date is not None:
            try:
                dt.date.fromisoformat(validation_date)
            except ValueError:
                raise ReferentialImportError("doit être une date AAAA-MM-JJ", path="validation_date") from None
        sha = self._text(data, "source_sha256", "")
        if sha and not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise ReferentialImportError(
                "doit être une empreinte SHA-256 (64 caractères hexadécimaux)", path="source_sha256"
            )
        return CertificationDraft(
            title=self._text(data, "title", ""),
            incomplete=self._texts(data, "incomplete", "") if data.get("incomplete") else [],
            unverified=self._text(data, "completeness_unverified", "") if data.get("completeness_unverified") else "",
            certifier=self._text(data, "certifier", "", nullable=True),
            code=self._text(data, "code", "", nullable=True),
            key=self._text(data, "key", "", required=True),
            level=self._text(data, "level", "", nullable=True),
            version=self._text(data, "version", "", nullable=True),
            validation_date=validation_date,
            source_name=self._text(data, "source_name", ""),
            source_sha256=sha,
            rules=self.rules(data.get("rules") or {}, "rules"),
            transversal_competences=self._texts(data, "transversal_competences", ""),
            description=self._text(data, "description", ""),
            blocs=self._list(data, "blocs", "", self.bloc),
        )

    def rules(self, data: Any, path: str) -> RulesDraft:
        fields = (
            "dossier_min_pages",
            "interview_minutes",
            "questionnaire_minutes",
            "extra_time_ratio",
            "all_blocs_required",
        )
        data = self._mapping(data, path, fields)
        ratio = self._text(data, "extra_time_ratio", path, nullable=True)
        if ratio is not None and not re.fullmatch(r"\d+/\d+", ratio):
            raise ReferentialImportError("doit être une fraction comme « 1/3 »", path=_join(path, "extra_time_ratio"))
        required = data.get("all_blocs_required", True)
        if not isinstance(required, bool):
            raise ReferentialImportError("doit valoir true ou false", path=_join(path, "all_blocs_required"))
        return RulesDraft(
            dossier_min_pages=self._int(data, "dossier_min_pages", path),
            interview_minutes=self._int(data, "interview_minutes", path),
            questionnaire_minutes=self._int(data, "questionnaire_minutes", path),
            extra_time_ratio=ratio,
            all_blocs_required=required,
        )

    def bloc(self, data: Any, path: str) -> BlocDraft:
        data = self._mapping(data, path, ("code", "title", "description", "competences", "evaluations"))
        return BlocDraft(
            code=self._text(data, "code", path, required=True),
            title=self._text(data, "title", path, required=True),
            order=0,
            description=self._text(data, "description", path),
            competences=self._list(data, "competences", path, self.competence),
            evaluations=self._list(data, "evaluations", path, self.evaluation),
        )

    def competence(self, data: Any, path: str) -> CompetenceDraft:
        data = self._mapping(data, path, ("code", "key", "text", "description", "savoir_faire"))
        return CompetenceDraft(
            code=self._text(data, "code", path),
            key=self._text(data, "key", path, required=True),
            text=self._text(data, "text", path, required=True),
            description=self._text(data, "description", path),
            savoir_faire=self._texts(data, "savoir_faire", path),
        )

    def evaluation(self, data: Any, path: str) -> EvaluationDraft:
        data = self._mapping(data, path, ("code", "modality", "competence_codes", "deliverables", "criteria"))
        return EvaluationDraft(
            code=self._text(data, "code", path, required=True),
            modality=self._text(data, "modality", path),
            competence_codes=self._texts(data, "competence_codes", path, required=True),
            deliverables=[DeliverableDraft(t) for t in self._texts(data, "deliverables", path)],
            criteria=self._list(data, "criteria", path, self.criterion),
        )

    def criterion(self, data: Any, path: str) -> CriterionDraft:
        data = self._mapping(data, path, ("code", "key", "heading", "text", "indicators", "competence_codes"))
        return CriterionDraft(
            code=self._text(data, "code", path, required=True),
            key=self._text(data, "key", path, required=True),
            heading=self._text(data, "heading", path),
            text=self._text(data, "text", path, required=True),
            indicators=self._texts(data, "indicators", path),
            competence_codes=self._texts(data, "competence_codes", path, required=True),
        )


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _check_references(draft: CertificationDraft) -> None:
    """Codes unique where they must be, keys unique, references pointing inside their bloc."""
    keys: set[str] = set()

    def claim(key: str, path: str) -> None:
        if key in keys:
            raise ReferentialImportError(f"clé « {key} » déjà utilisée : chaque clé doit être unique", path=path)
        keys.add(key)

    bloc_codes: set[str] = set()
    for b, bloc in enumerate(draft.blocs):
        path = f"blocs[{b}]"
        if bloc.code in bloc_codes:
            raise ReferentialImportError(f"code de bloc « {bloc.code} » en double", path=f"{path}.code")
        bloc_codes.add(bloc.code)
        local = set()
        for c, competence in enumerate(bloc.competences):
            claim(competence.key, f"{path}.competences[{c}].key")
            local.add(competence.key)
        evaluation_codes: set[str] = set()
        for e, evaluation in enumerate(bloc.evaluations):
            epath = f"{path}.evaluations[{e}]"
            if evaluation.code in evaluation_codes:
                raise ReferentialImportError(
                    f"code d'évaluation « {evaluation.code} » en double dans le bloc", path=f"{epath}.code"
                )
            evaluation_codes.add(evaluation.code)
            _check_codes(evaluation.competence_codes, local, f"{epath}.competence_codes")
            for k, criterion in enumerate(evaluation.criteria):
                cpath = f"{epath}.criteria[{k}]"
                claim(criterion.key, f"{cpath}.key")
                _check_codes(criterion.competence_codes, local, f"{cpath}.competence_codes")


def _check_codes(codes: list[str], known: set[str], path: str) -> None:
    for i, code in enumerate(codes):
        if code not in known:
            raise ReferentialImportError(
                f"compétence « {code} » inconnue dans ce bloc (attendu : la clé d'une de ses compétences)",
                path=f"{path}[{i}]",
            )
