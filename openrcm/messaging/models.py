"""Communications: who may be messaged, their consent, messages, refusals, calls and leads.

A ``Party`` is someone the company may contact; it links to the record that already
describes the person (a client contact, a provider, a patient, a staff user, or a lead)
and holds only what messaging needs beside it: the number and address consent was given
for. Consent is recorded per party, channel and purpose (``ConsentRecord``); opt-outs are
kept per address, sender and channel (``Subscription``), because STOP comes from a phone,
whoever we think holds it. Every outbound word goes through ``services.message_send``,
which asks the policy gate (``openrcm.rules.messaging``) and records a ``SendRefusal`` with
every reason when the gate says no.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from openrcm.core.fields import EncryptedTextField, SearchHashField
from openrcm.core.models import TimeStamped
from openrcm.core.scoping import ScopedManager
from openrcm.rules.identifiers import normalize_email, normalize_phone


def _phone_key(value: str) -> str:
    try:
        return normalize_phone(value)
    except Exception:
        return str(value).strip()


class ChannelKind(models.TextChoices):
    SMS = "sms", "Text message"
    VOICE = "voice", "Phone call"
    EMAIL = "email", "Email"


class PartyKind(models.TextChoices):
    CLIENT_CONTACT = "client_contact", "Client contact"  # a person at a client practice
    PROVIDER = "provider", "Provider"  # a clinician of a client practice
    STAFF = "staff", "Staff"  # the billing company's own staff
    PATIENT = "patient", "Patient"  # a patient (or guarantor) of a client practice
    PROSPECT = "prospect", "Prospect"  # a lead from the contact form: called, never texted


class Party(TimeStamped):
    """Someone the company may contact, linked to the record that describes them.

    Exactly one of the links is set, matching ``kind``. ``client`` is the practice the
    person belongs to (for a patient: the practice that is owed); it is empty for staff
    and prospects. ``phone`` and ``email`` are the addresses consent is given for.
    """

    kind = models.CharField(max_length=16, choices=PartyKind.choices)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    client_contact = models.OneToOneField(
        "clients.ClientContact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messaging_party",
    )
    provider = models.OneToOneField(
        "clients.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messaging_party",
    )
    patient = models.OneToOneField(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messaging_party",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messaging_party",
    )
    lead = models.OneToOneField(
        "messaging.Lead",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="party",
    )
    phone = EncryptedTextField(blank=True, default="", help_text="E.164; consent is per number.")
    phone_hash = SearchHashField(source="phone", purpose="phone", normalizer=_phone_key)
    email = EncryptedTextField(blank=True, default="")
    email_hash = SearchHashField(source="email", purpose="email", normalizer=normalize_email)
    # Where the person is, when the linked record does not say (staff); for quiet hours.
    state = models.CharField(max_length=2, blank=True)
    zip_code = models.CharField(max_length=10, blank=True)

    objects = ScopedManager("client")

    class Meta:
        ordering = ["kind", "pk"]
        verbose_name_plural = "parties"
        constraints = [
            models.CheckConstraint(
                name="party_one_link_per_kind",
                condition=(
                    Q(
                        kind="client_contact",
                        client_contact__isnull=False,
                        client__isnull=False,
                        patient__isnull=True,
                        provider__isnull=True,
                        user__isnull=True,
                        lead__isnull=True,
                    )
                    | Q(
                        kind="provider",
                        provider__isnull=False,
                        client__isnull=False,
                        client_contact__isnull=True,
                        patient__isnull=True,
                        user__isnull=True,
                        lead__isnull=True,
                    )
                    | Q(
                        kind="patient",
                        patient__isnull=False,
                        client__isnull=False,
                        client_contact__isnull=True,
                        provider__isnull=True,
                        user__isnull=True,
                        lead__isnull=True,
                    )
                    | Q(
                        kind="staff",
                        user__isnull=False,
                        client__isnull=True,
                        client_contact__isnull=True,
                        provider__isnull=True,
                        patient__isnull=True,
                        lead__isnull=True,
                    )
                    | Q(
                        kind="prospect",
                        lead__isnull=False,
                        client__isnull=True,
                        client_contact__isnull=True,
                        provider__isnull=True,
                        patient__isnull=True,
                        user__isnull=True,
                    )
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_kind_display()})"

    @property
    def display_name(self) -> str:
        if self.client_contact_id:
            return str(self.client_contact.name)  # type: ignore[union-attr]
        if self.provider_id:
            return str(self.provider)
        if self.patient_id:
            return str(self.patient.full_name)  # type: ignore[union-attr]
        if self.user_id:
            user = self.user
            return user.get_full_name() or user.get_username()  # type: ignore[union-attr]
        if self.lead_id:
            return str(self.lead.name)  # type: ignore[union-attr]
        return f"party {self.pk}"


class ConsentPurpose(models.TextChoices):
    SERVICE = "service", "Service (informational)"
    MARKETING = "marketing", "Marketing"


class ConsentMethod(models.TextChoices):
    VERBAL_RECORDED_CALL = "verbal_recorded_call", "Verbal, on a recorded call"
    VERBAL_STAFF_ATTESTED = "verbal_staff_attested", "Verbal, attested by staff"
    WEB_FORM = "web_form", "Web form"
    PAPER_FORM = "paper_form", "Signed paper form"
    KEYWORD_OPTIN = "keyword_optin", "Keyword (START)"
    INTAKE_PORTAL = "intake_portal", "Intake portal"
    PROVIDED_NUMBER_IN_DEBT_CONTEXT = (
        "provided_number_in_debt_context",
        "Number given for this debt",
    )


class EvidenceKind(models.TextChoices):
    FORM_SUBMISSION = "form_submission", "Form submission"
    CALL_NOTE = "call_note", "Note of the call"
    CALL_RECORDING = "call_recording", "Call recording"
    SCANNED_PAPER = "scanned_paper", "Scanned paper"
    INBOUND_MESSAGE = "inbound_message", "Inbound message"
    CARRIED_FROM_LEAD = "carried_from_lead", "Given as a lead"


class RevocationMeans(models.TextChoices):
    KEYWORD = "keyword", "Opt-out keyword (STOP...)"
    FREE_TEXT = "free_text", "Free text read as an opt-out"
    CALL = "call", "Said so on a call"
    WRITTEN = "written", "In writing"
    STAFF = "staff", "Recorded by staff"
    WRONG_NUMBER = "wrong_number", "Wrong number"


class ConsentRecord(TimeStamped):
    """One consent given, and its revocation: never deleted, revoked at most once.

    ``brand_client`` is who the consent was given to: the practice, for a patient's
    consent to texts in the practice's name; empty for the billing company itself.
    """

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="consents")
    channel = models.CharField(max_length=8, choices=ChannelKind.choices)
    purpose = models.CharField(max_length=16, choices=ConsentPurpose.choices)
    brand_client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    method = models.CharField(max_length=40, choices=ConsentMethod.choices)
    text_shown = models.TextField(help_text="The exact words the person agreed to.")
    given_at = models.DateTimeField()
    evidence_kind = models.CharField(max_length=24, choices=EvidenceKind.choices)
    evidence = models.TextField(
        help_text="What proves it: form submission id, note of the call, file reference."
    )
    recorded_by = models.CharField(max_length=150)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=150, blank=True)
    revocation_means = models.CharField(max_length=16, choices=RevocationMeans.choices, blank=True)
    revocation_evidence = models.TextField(blank=True)
    revocation_message = models.ForeignKey(
        "messaging.Message", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager("party__client")

    class Meta:
        ordering = ["party", "-given_at", "-pk"]
        indexes = [models.Index(fields=["party", "channel", "purpose"])]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "in force"
        return f"{self.channel} {self.purpose} consent ({state})"


class SubscriptionStatus(models.TextChoices):
    SUBSCRIBED = "subscribed", "Subscribed"
    OPTED_OUT = "opted_out", "Opted out"


class Subscription(models.Model):
    """An address's opt-in/opt-out state for one sender (brand) on one channel.

    Keyed by the keyed hash of the phone or email, so a STOP from a number holds for
    every party with that number, and for a number we do not know yet.
    ``brand_key`` is "company" or "client:<id>" (a unique key without NULLs).
    """

    address_hash = models.CharField(max_length=64)
    channel = models.CharField(max_length=8, choices=ChannelKind.choices)
    brand_key = models.CharField(max_length=32)
    brand_client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=SubscriptionStatus.choices)
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["address_hash", "channel", "brand_key"], name="one_subscription_state"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.brand_key}: {self.status}"


class Direction(models.TextChoices):
    OUTBOUND = "outbound", "Outbound"
    INBOUND = "inbound", "Inbound"


class MessagePurpose(models.TextChoices):
    SERVICE = "service", "Service (to a client)"
    BILLING = "billing", "Billing (to a patient)"
    APPOINTMENT = "appointment", "Appointment (to a patient)"
    MARKETING = "marketing", "Marketing"
    STAFF = "staff", "Staff"


class MessageKind(models.TextChoices):
    ORDINARY = "ordinary", "Message"  # an outbound message that passed the gate
    OPT_OUT_CONFIRMATION = "opt_out_confirmation", "Opt-out confirmation"
    HELP = "help", "HELP reply"
    OPT_IN_CONFIRMATION = "opt_in_confirmation", "Opt-in confirmation"
    INBOUND = "inbound", "Inbound"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"  # passed the gate; being handed to the channel
    SENT = "sent", "Sent"  # the channel accepted it
    DELIVERED = "delivered", "Delivered"  # the carrier says it arrived
    UNDELIVERED = "undelivered", "Undelivered"  # the carrier could not deliver it
    FAILED = "failed", "Failed"  # the channel refused or could not be reached
    RECEIVED = "received", "Received"  # an inbound message


MESSAGE_TRANSITIONS: dict[str, set[str]] = {
    MessageStatus.QUEUED: {MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.DELIVERED},
    MessageStatus.SENT: {MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.FAILED},
    MessageStatus.DELIVERED: set(),
    MessageStatus.UNDELIVERED: set(),
    MessageStatus.FAILED: set(),
    MessageStatus.RECEIVED: set(),
}


class InboundIntent(models.TextChoices):
    OPT_OUT = "opt_out", "Opt-out keyword"
    OPT_OUT_PHRASE = "opt_out_phrase", "Opt-out in free text (review)"
    HELP = "help", "HELP"
    OPT_IN = "opt_in", "START"
    OTHER = "other", "Conversation"


class Message(TimeStamped):
    """One text, outbound or inbound. Outbound rows exist only for messages the gate
    allowed (or keyword replies); refused ones are ``SendRefusal`` rows."""

    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    direction = models.CharField(max_length=8, choices=Direction.choices)
    channel = models.CharField(max_length=8, choices=ChannelKind.choices, default="sms")
    kind = models.CharField(max_length=24, choices=MessageKind.choices)
    purpose = models.CharField(max_length=16, choices=MessagePurpose.choices, blank=True)
    body = EncryptedTextField()
    address = EncryptedTextField(help_text="The other end's number (E.164).")
    address_hash = SearchHashField(source="address", purpose="phone", normalizer=_phone_key)
    sender_brand = models.CharField(max_length=120, blank=True)
    brand_client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel_name = models.CharField(max_length=16, help_text="outbox, twilio or ringcentral")
    provider_message_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=MessageStatus.choices)
    status_detail = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(db_index=True, help_text="Handed to the channel, or received.")
    actor = models.CharField(max_length=150, blank=True)
    in_reply_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    template = models.ForeignKey(
        "messaging.MessageTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    subject = models.CharField(max_length=64, blank=True, help_text="For same-subject caps.")
    # Inbound only: what the text asks for, and a person's review of a free-text opt-out.
    intent = models.CharField(max_length=16, choices=InboundIntent.choices, blank=True)
    needs_review = models.BooleanField(default=False)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.CharField(max_length=150, blank=True)
    review_note = models.CharField(max_length=255, blank=True)

    objects = ScopedManager("party__client")

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["party", "direction", "at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["channel_name", "provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="one_message_per_provider_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.kind} #{self.pk}"


class MessageStatusChange(models.Model):
    """Every status a message went through (channel answers and delivery callbacks)."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="history")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    at = models.DateTimeField()
    source = models.CharField(max_length=64)
    detail = models.CharField(max_length=255, blank=True)

    objects = ScopedManager("message__party__client")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class SendRefusal(models.Model):
    """A message the gate refused, with every reason (code, words, source)."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="refusals")
    channel = models.CharField(max_length=8, choices=ChannelKind.choices)
    purpose = models.CharField(max_length=16, choices=MessagePurpose.choices)
    body = EncryptedTextField(blank=True, default="")
    sender_brand = models.CharField(max_length=120, blank=True)
    reasons = models.JSONField(help_text="[{code, message, source, timing}, ...]")
    codes = models.CharField(max_length=255, help_text="The reason codes, space-separated.")
    next_allowed_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=150)
    template = models.ForeignKey(
        "messaging.MessageTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    call_task = models.ForeignKey(
        "messaging.CallTask", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager("party__client")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"refused {self.channel} {self.purpose}: {self.codes}"


class MessageTemplate(TimeStamped):
    """A work update the company sends, with ``{variables}``; ``{sender}`` is filled in
    by the service with the brand the message goes out under."""

    key = models.SlugField(max_length=48, unique=True)
    name = models.CharField(max_length=80)
    channel = models.CharField(max_length=8, choices=ChannelKind.choices, default="sms")
    purpose = models.CharField(max_length=16, choices=MessagePurpose.choices)
    body = models.TextField()
    description = models.CharField(max_length=255, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CallTaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


CALL_TASK_TRANSITIONS: dict[str, set[str]] = {
    CallTaskStatus.OPEN: {CallTaskStatus.DONE, CallTaskStatus.CANCELLED},
    CallTaskStatus.DONE: set(),
    CallTaskStatus.CANCELLED: set(),
}


class CallTeam(models.TextChoices):
    SALES = "sales", "Sales"
    BILLING = "billing", "Billing"
    COLLECTIONS = "collections", "Collections"
    CREDENTIALING = "credentialing", "Credentialing"


class CallTask(TimeStamped):
    """A call someone must make, and what came of it."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="call_tasks")
    team = models.CharField(max_length=16, choices=CallTeam.choices)
    purpose = models.CharField(max_length=16, choices=MessagePurpose.choices)
    reason = models.CharField(max_length=255)
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=CallTaskStatus.choices, default=CallTaskStatus.OPEN
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=150)

    objects = ScopedManager("party__client")

    class Meta:
        ordering = ["status", "due_at", "pk"]

    def __str__(self) -> str:
        return f"call {self.party} ({self.status})"


class CallOutcome(models.TextChoices):
    PLACED = "placed", "Call placed (waiting for the outcome)"
    REACHED = "reached", "Reached; spoke"
    VOICEMAIL = "voicemail", "Left a voicemail"
    NO_ANSWER = "no_answer", "No answer"
    CALL_BACK = "call_back", "Asked to be called back later"
    NOT_INTERESTED = "not_interested", "Not interested"
    ASKED_NOT_TO_CALL = "asked_not_to_call", "Asked not to be called"
    WRONG_NUMBER = "wrong_number", "Wrong number"


class CallLog(models.Model):
    """One call attempt: placed through the gate, then its outcome noted."""

    task = models.ForeignKey(
        CallTask, on_delete=models.PROTECT, null=True, blank=True, related_name="calls"
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="calls")
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    channel_name = models.CharField(max_length=16)
    provider_call_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(
        max_length=24, choices=CallOutcome.choices, default=CallOutcome.PLACED
    )
    note = models.TextField(blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager("party__client")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"call {self.party_id} {self.outcome}"


class LeadStatus(models.TextChoices):
    NEW = "new", "New"  # submitted; a call task is open
    CONTACTED = "contacted", "Contacted"  # we spoke with them
    CONVERTED = "converted", "Converted to a client"
    LOST = "lost", "Lost"


LEAD_TRANSITIONS: dict[str, set[str]] = {
    LeadStatus.NEW: {LeadStatus.CONTACTED, LeadStatus.CONVERTED, LeadStatus.LOST},
    LeadStatus.CONTACTED: {LeadStatus.CONVERTED, LeadStatus.LOST},
    LeadStatus.CONVERTED: set(),
    LeadStatus.LOST: {LeadStatus.CONTACTED},
}


class Lead(TimeStamped):
    """A prospect from the public Contact Us page: called, never texted."""

    name = models.CharField(max_length=80)
    organization = models.CharField(max_length=120, blank=True)
    phone = EncryptedTextField()
    email = EncryptedTextField(blank=True, default="")
    state = models.CharField(max_length=2, blank=True)
    zip_code = models.CharField(max_length=10, blank=True)
    note = models.TextField(blank=True, help_text="What they wrote on the form.")
    consent_text = models.TextField(help_text="The exact consent text the form showed.")
    submitted_at = models.DateTimeField()
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    converted_at = models.DateTimeField(null=True, blank=True)
    converted_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organization or 'lead'})"


class LeadStatusChange(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="history")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"
