"""Code-set releases an administrator loaded, and their entries (compact rows)."""

from __future__ import annotations

from django.db import models

from openrcm.codesets.release import CodeSetKind


class CodeSetKindChoice(models.TextChoices):
    ICD10CM = CodeSetKind.ICD10CM, "ICD-10-CM (index file)"
    HCPCS = CodeSetKind.HCPCS, "HCPCS Level II"
    MUE = CodeSetKind.MUE, "NCCI medically unlikely edits"
    PTP = CodeSetKind.PTP, "NCCI procedure-to-procedure edits"
    POS = CodeSetKind.POS, "Place of service"
    TAXONOMY = CodeSetKind.TAXONOMY, "NUCC taxonomy"
    MPFS = CodeSetKind.MPFS, "Medicare physician fee schedule"
    CARC = CodeSetKind.CARC, "Claim adjustment reason codes"
    RARC = CodeSetKind.RARC, "Remittance advice remark codes"


class CodeSetRelease(models.Model):
    """One loaded file (or set of parts) of one code set, in force between two dates.

    A release is never edited after loading except to end it: loading a newer release of
    the same kind and variant sets ``effective_to`` of the one it overlaps (and
    ``superseded_by``). ``effective_to`` is the last day in force (null: open-ended).
    """

    kind = models.CharField(max_length=16, choices=CodeSetKindChoice.choices)
    variant = models.CharField(max_length=32, blank=True, default="")
    label = models.CharField(max_length=200)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    source_name = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.CharField(max_length=150)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )

    class Meta:
        ordering = ["kind", "variant", "-effective_from", "-id"]
        constraints = [
            # The same file twice is one release (the load says so and stores nothing).
            models.UniqueConstraint(
                fields=["kind", "variant", "sha256"], name="coding_release_unique_file"
            ),
        ]
        indexes = [models.Index(fields=["kind", "effective_from"], name="coding_release_kind_from")]

    def __str__(self) -> str:
        return f"{self.label} ({self.effective_from} to {self.effective_to or 'open'})"


class CodeSetEntry(models.Model):
    """One code of a release: the code, an optional second code, and its attributes.

    ``code2`` is the column-2 code of a PTP edit or the modifier of a fee; ``attributes``
    holds the rest (see ``openrcm.codesets.entries``; amounts as strings, never floats).
    """

    release = models.ForeignKey(CodeSetRelease, on_delete=models.CASCADE, related_name="entries")
    code = models.CharField(max_length=16)
    code2 = models.CharField(max_length=16, blank=True, default="")
    attributes = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["release", "code"], name="coding_entry_release_code")]

    def __str__(self) -> str:
        return f"{self.code}{'/' + self.code2 if self.code2 else ''}"
