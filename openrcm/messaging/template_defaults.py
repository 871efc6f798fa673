"""The work updates every deployment starts with: (key, name, purpose, body, description).

Plain data, read by the data migration that installs them and by
``services.templates_install_defaults`` (which puts back any that a database flush
removed, e.g. ``openrcm demo --reset`` on PostgreSQL).
"""

from __future__ import annotations

DEFAULT_TEMPLATES: list[tuple[str, str, str, str, str]] = [
    (
        "billing-update-ready",
        "Monthly billing update ready",
        "service",
        "{sender}: your billing update for {month} is ready in your portal. Reply STOP to opt out.",
        "To a client contact when the month's billing report is posted.",
    ),
    (
        "coding-issue-resolved",
        "Coding issue resolved",
        "service",
        "{sender}: we resolved the coding issue you flagged ({issue}). Reply STOP to opt out.",
        "To a client contact when a coding question they raised is settled.",
    ),
    (
        "quarterly-report-ready",
        "Quarterly report ready",
        "service",
        "{sender}: your quarterly report for {quarter} is ready in your portal. "
        "Reply STOP to opt out.",
        "To a client contact when the quarterly report is posted.",
    ),
    (
        "call-reminder",
        "Call reminder",
        "service",
        "{sender}: a reminder of our call on {date} at {time}. Reply STOP to opt out.",
        "To a client contact before a scheduled call.",
    ),
    (
        "appointment-reminder",
        "Appointment reminder (patient)",
        "appointment",
        "{sender}: a reminder of your appointment on {date} at {time}. Reply STOP to opt out.",
        "To a patient, in the practice's name.",
    ),
    (
        "statement-ready",
        "Statement ready (patient)",
        "billing",
        "{sender}: you have a new statement. Call the billing office to ask about it. "
        "Reply STOP to opt out.",
        "To a patient, in the practice's name; says no amount and no diagnosis.",
    ),
    (
        "staff-note",
        "Internal staff message",
        "staff",
        "{sender}: {note}",
        "Among the company's own staff.",
    ),
]
