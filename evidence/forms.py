from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.forms import CheckboxListField, FrenchForm

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
