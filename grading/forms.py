"""Forms of the jury screens. Forms repeated once per row (verdicts, decisions, slots) are plain
HTML read in the views; the services check their values and answer in French."""
from wtforms import BooleanField, DateField, DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.forms import CheckboxListField, FrenchForm

from grading.models import AccommodationKind, DecisionRule

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class SessionForm(FrenchForm):
    starts_at = DateTimeLocalField(
        "Date et heure (heure de Paris)", format=DATETIME_FORMAT,
        validators=[DataRequired("Indiquez la date et l'heure de la session.")],
    )
    place = StringField("Lieu", validators=[Length(max=300)])
    video_link = StringField("Lien de visioconférence", validators=[Length(max=500)])
    decision_rule = SelectField(
        "Règle de proposition des décisions de bloc", choices=[(r.value, r.label) for r in DecisionRule],
    )


class NewSessionForm(SessionForm):
    certification_id = SelectField("Certification (version du référentiel)", coerce=int,
                                   validators=[DataRequired("Choisissez une certification.")])


class EditSessionForm(SessionForm):
    bloc_ids = CheckboxListField("Blocs évalués", coerce=int)


class MemberForm(FrenchForm):
    user_id = SelectField("Membre du jury", coerce=int, validators=[DataRequired("Choisissez un membre du jury.")])
    is_president = BooleanField("Président du jury")
    is_external = BooleanField("Professionnel externe à l'organisme de formation")


class AssignmentForm(FrenchForm):
    submission_id = SelectField("Dépôt à examiner", coerce=int, validators=[DataRequired("Choisissez un dépôt.")])


class AccommodationForm(FrenchForm):
    candidate_id = SelectField("Candidat", coerce=int, validators=[DataRequired("Choisissez un candidat.")])
    kind = SelectField("Aménagement", choices=[(k.value, k.label) for k in AccommodationKind])
    note = TextAreaField("Précisions (confidentielles)", validators=[Length(max=2000)])


class AuditFilterForm(FrenchForm):
    """Filters of the audit trail, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    action = SelectField("Action", validators=[Optional()])
    session_id = SelectField("Session", validators=[Optional()])
    actor_id = SelectField("Auteur", validators=[Optional()])
    date_from = DateField("Du", validators=[Optional()])
    date_to = DateField("Au", validators=[Optional()])
