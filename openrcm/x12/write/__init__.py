"""Writers for the X12 5010 transactions openrcm sends: 837P claims, 270 eligibility
inquiries and 276 claim status inquiries.

Each writer takes frozen dataclasses (money as ``Decimal``, dates as ``datetime.date``)
and returns the bytes of one interchange. The caller passes control numbers and the
creation time in, so the same input always gives byte-for-byte the same file. Input that
cannot become a valid transaction raises :class:`~openrcm.x12.errors.X12WriteError` with a
message that names the claim, line and field.
"""

from openrcm.x12.write.claim837p import (
    Adjustment,
    BillingProvider,
    Claim837P,
    ClaimBatch837P,
    LineAdjudication,
    OtherPayer,
    Patient,
    Provider,
    Receiver,
    ServiceFacility,
    ServiceLine,
    Submitter,
    Subscriber,
    write_837p,
)
from openrcm.x12.write.encoder import Delimiters, InterchangeSettings, is_valid_npi
from openrcm.x12.write.inquiry270 import (
    EligibilityBatch,
    EligibilityDependent,
    EligibilityInquiry,
    EligibilitySubscriber,
    InformationReceiver,
    write_270,
)
from openrcm.x12.write.inquiry276 import (
    ClaimStatusBatch,
    ClaimStatusInquiry,
    StatusPatient,
    StatusProvider,
    StatusReceiver,
    StatusSubscriber,
    write_276,
)
from openrcm.x12.write.parties import Address, Contact, OrganizationName, Payer, PersonName

__all__ = [
    "Address",
    "Adjustment",
    "BillingProvider",
    "Claim837P",
    "ClaimBatch837P",
    "ClaimStatusBatch",
    "ClaimStatusInquiry",
    "Contact",
    "Delimiters",
    "EligibilityBatch",
    "EligibilityDependent",
    "EligibilityInquiry",
    "EligibilitySubscriber",
    "InformationReceiver",
    "InterchangeSettings",
    "LineAdjudication",
    "OrganizationName",
    "OtherPayer",
    "Patient",
    "Payer",
    "PersonName",
    "Provider",
    "Receiver",
    "ServiceFacility",
    "ServiceLine",
    "StatusPatient",
    "StatusProvider",
    "StatusReceiver",
    "StatusSubscriber",
    "Submitter",
    "Subscriber",
    "is_valid_npi",
    "write_270",
    "write_276",
    "write_837p",
]
