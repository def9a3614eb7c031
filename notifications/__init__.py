"""Mail: preferences, the outbox, SMTP delivery in background jobs, daily digests.

    notifications/models.py       NotificationPreference, OutgoingMail (every mail is a row first)
    notifications/services.py     notify(), deliver(), send_digests(), preferences
    notifications/mailer.py       SMTP (MAIL_URL) or .eml files under MAIL_DIR
    notifications/calendar.py     the convocation's .ics (Europe/Paris)
    notifications/subscribers.py  the signals of accounts, evidence, portfolio, grading → mails
    notifications/tasks.py        deliver_mail with retries, the sweep, the daily digests
    notifications/views.py        "Mes courriels" (preferences) and the admins' outbox

Packages above (awards/) tell users directly:

    from notifications import notify, notify_results
    notify_results(user, certification_title="…", url="https://…/resultats/12")
    notify(user, "results", subject="…", context={...})   # any kind, templates/notifications/mail/<kind>.*
"""


def notify(user, kind, **kwargs):
    """See notifications.services.notify."""
    from notifications.services import notify as _notify

    return _notify(user, kind, **kwargs)


def notify_results(user, **kwargs):
    """See notifications.subscribers.notify_results."""
    from notifications.subscribers import notify_results as _notify_results

    return _notify_results(user, **kwargs)
