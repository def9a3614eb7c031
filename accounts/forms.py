from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Email, Length

from core.forms import CheckboxListField, FrenchForm

from accounts.models import ROLE_LABELS


class LoginForm(FrenchForm):
    email = EmailField("Adresse e-mail", validators=[DataRequired("Indiquez votre adresse e-mail.")])
    password = PasswordField("Mot de passe", validators=[DataRequired("Indiquez votre mot de passe.")])



class UserCreateForm(FrenchForm):
    full_name = StringField("Nom complet", validators=[DataRequired("Le nom complet est obligatoire."), Length(max=200)])
    email = EmailField(
        "Adresse e-mail",
        validators=[DataRequired("L'adresse e-mail est obligatoire."), Email("Adresse e-mail invalide."), Length(max=254)],
    )
    roles = CheckboxListField(
        "Rôles",
        choices=[(role.value, label) for role, label in ROLE_LABELS.items()],
        validators=[DataRequired("Choisissez au moins un rôle.")],
    )


class SetPasswordForm(FrenchForm):
    password = PasswordField(
        "Nouveau mot de passe (12 caractères au moins)",
        validators=[DataRequired("Choisissez un mot de passe."), Length(min=12, message="12 caractères au moins.")],
    )
    confirm = PasswordField(
        "Confirmez le mot de passe",
        validators=[EqualTo("password", message="Les deux mots de passe diffèrent.")],
    )


class EmptyForm(FrenchForm):
    """A form with only the CSRF token, for buttons that post an action."""
