from wtforms import DecimalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.forms import CheckboxListField, FrenchForm

from evidence.anchors import Spot
from evidence.models import AcquisitionContext
from evidence.services import EvidenceFields


class EvidenceForm(FrenchForm):
    title = StringField("Titre", validators=[DataRequired("Le titre est obligatoire."), Length(max=300)])
    description = TextAreaField(
        "Description : ce qui a été fait, par qui, avec quels outils", validators=[Length(max=20_000)]
    )
    context = SelectField(
        "Contexte d'acquisition", choices=[(c.value, c.label) for c in AcquisitionContext], default=AcquisitionContext.COMPANY.value
    )
    organisation = StringField("Organisation (entreprise, centre de formation)", validators=[Length(max=300)])
    period = StringField("Période (par exemple : mars à juin 2026)", validators=[Length(max=100)])
    confidentiality_note = TextAreaField("Note de confidentialité", validators=[Length(max=5_000)])

    def evidence_fields(self) -> EvidenceFields:
        """What the candidate typed, for create_evidence / update_evidence."""
        return EvidenceFields(
            title=self.title.data or "", description=self.description.data or "", context=self.context.data,
            organisation=self.organisation.data or "", period=self.period.data or "",
            confidentiality_note=self.confidentiality_note.data or "",
        )


class ClaimForm(FrenchForm):
    criterion_id = IntegerField("Critère", validators=[DataRequired("Choisissez un critère.")])
    justification = TextAreaField(
        "Justification : en quoi cette preuve démontre le critère",
        validators=[DataRequired("La justification est obligatoire."), Length(max=10_000)],
    )


class JustificationForm(FrenchForm):
    justification = TextAreaField("Justification", validators=[DataRequired("La justification est obligatoire."), Length(max=10_000)])


class DeliverablesForm(FrenchForm):
    deliverables = CheckboxListField("Livrables fournis par cette preuve", coerce=int, validators=[Optional()])


class CommentForm(FrenchForm):
    body = TextAreaField("Commentaire", validators=[DataRequired("Le commentaire est vide."), Length(max=10_000)])
    parent_id = HiddenField()
    claim_id = SelectField("Critère concerné (facultatif)", coerce=str, choices=[("", "Toute la preuve")], validate_choice=False)


class StatusForm(FrenchForm):
    status = HiddenField(validators=[DataRequired()])


class PercentField(DecimalField):
    """A percentage as French writes it too: "20,5" is 20.5."""

    def process_formdata(self, valuelist):
        super().process_formdata([v.replace(",", ".").replace("%", "").strip() for v in valuelist])


class AnchorForm(FrenchForm):
    """Where a claim's proof is in one file version; the view shows only the fields of its kind.
    Regions are typed in percent of the image (what a person reads), kept as fractions."""

    kind = SelectField("Type d'extrait", choices=[], validate_choice=False)
    line_start = IntegerField("Première ligne", validators=[Optional()])
    line_end = IntegerField("Dernière ligne", validators=[Optional()])
    page_start = IntegerField("Première page", validators=[Optional()])
    page_end = IntegerField("Dernière page", validators=[Optional()])
    x = PercentField("Bord gauche de la zone (% de la largeur)", places=2, validators=[Optional()])
    y = PercentField("Bord haut de la zone (% de la hauteur)", places=2, validators=[Optional()])
    width = PercentField("Largeur de la zone (% de la largeur)", places=2, validators=[Optional()])
    height = PercentField("Hauteur de la zone (% de la hauteur)", places=2, validators=[Optional()])
    sheet = SelectField("Feuille", choices=[], validate_choice=False)
    cells = StringField("Cellules (par exemple B2:D40)", validators=[Length(max=40)])

    def spot(self) -> Spot:
        def fraction(field):
            return None if field.data is None else float(field.data) / 100

        return Spot(
            self.kind.data or "", line_start=self.line_start.data, line_end=self.line_end.data,
            page_start=self.page_start.data, page_end=self.page_end.data,
            x=fraction(self.x), y=fraction(self.y), width=fraction(self.width), height=fraction(self.height),
            sheet=self.sheet.data or None, cells=self.cells.data or None,
        )

    def fill(self, spot: Spot) -> None:
        """Prefill from a spot (an anchor to edit, or a proposed move)."""
        self.kind.data = spot.kind
        for key, value in spot.location.items():
            field = getattr(self, key)
            field.data = round(value * 100, 2) if key in ("x", "y", "width", "height") and value is not None else value
