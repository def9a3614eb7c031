"""French error pages; an htmx request gets only the message fragment."""
from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError

MESSAGES = {
    400: ("Requête invalide", "La requête n'a pas pu être traitée."),
    401: ("Connexion requise", "Connectez-vous pour continuer."),
    403: ("Accès refusé", "Vous n'avez pas l'autorisation d'accéder à cette page."),
    404: ("Page introuvable", "Cette page n'existe pas ou plus. Vérifiez l'adresse ou revenez au tableau de bord."),
    405: ("Méthode non autorisée", "Cette action n'est pas possible à cette adresse."),
    408: ("Envoi interrompu", "La requête n'est pas arrivée en entier. Vérifiez votre connexion et réessayez."),
    413: ("Fichier trop volumineux", "Le fichier dépasse la taille maximale autorisée."),
    429: ("Trop de tentatives", "Patientez quelques minutes avant de réessayer."),
    500: ("Erreur interne", "Une erreur inattendue s'est produite. L'équipe technique est prévenue ; réessayez plus tard."),
    503: ("Service indisponible", "Un service nécessaire ne répond pas. Réessayez dans quelques instants."),
}


def render_error(status: int, detail: str | None = None):
    title, message = MESSAGES.get(status, MESSAGES[500])
    template = "errors/_message.html" if request.headers.get("HX-Request") else "errors/error.html"
    return render_template(template, status=status, title=title, message=message, detail=detail), status


def register_error_handlers(app: Flask) -> None:
    for status in MESSAGES:
        if status in (401, 503):
            continue
        app.register_error_handler(status, lambda error, status=status: render_error(status))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, "Le formulaire a expiré ou son jeton de sécurité (CSRF) manque. Rechargez la page et recommencez.")
