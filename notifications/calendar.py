"""The interview convocation as an iCalendar (.ics) attachment, in Europe/Paris time.

One event per session assignment (its UID never changes), so a calendar that received the
convocation replaces it when the slot moves: the update carries a higher SEQUENCE.
"""
from __future__ import annotations

from icalendar import Calendar, Event, vText

from core.timeutil import to_paris, utcnow

ICS_MEDIA_TYPE = "text/calendar; method=REQUEST"


def event_uid(assignment_id: int) -> str:
    return f"entretien-{assignment_id}@probatio"


def convocation_ics(assignment_id: int, convocation, *, sequence: int, organizer: str, attendee: str) -> str:
    """The .ics text for a planned convocation (grading.slots.Convocation); `sequence` counts the
    times the slot was moved (0 for the first convocation)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Probatio//Convocation//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", event_uid(assignment_id))
    event.add("sequence", sequence)
    event.add("dtstamp", to_paris(utcnow()))
    event.add("dtstart", to_paris(convocation.starts_at))
    event.add("dtend", to_paris(convocation.ends_at))
    event.add("summary", f"Entretien avec le jury — {convocation.certification_title}")
    where = convocation.place or convocation.video_link
    if where:
        event.add("location", where)
    description = [f"Session : {convocation.session_label}", f"Durée : {convocation.duration_minutes} minutes"]
    if convocation.video_link:
        description.append(f"Lien de visioconférence : {convocation.video_link}")
    event.add("description", "\n".join(description))
    event.add("organizer", f"mailto:{organizer}")
    attendee_value = vText(f"mailto:{attendee}")
    event.add("attendee", attendee_value)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode("utf-8")
