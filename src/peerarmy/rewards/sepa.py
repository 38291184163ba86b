"""SEPA credit transfer files (ISO 20022 pain.001.001.03): dataclasses in, checked XML bytes out."""

import functools
import importlib.resources
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypedDict

from django.utils.translation import gettext as _

from peerarmy.errors import ValidationFailed
from peerarmy.rewards.iban import clean_bic, clean_iban

SCHEMA = "pain.001.001.03"
NAMESPACE = f"urn:iso:std:iso:20022:tech:xsd:{SCHEMA}"
CURRENCY = "EUR"
# The SEPA rulebook's largest credit transfer: EUR 999,999,999.99.
MAX_AMOUNT_MINOR = 99_999_999_999

# The EPC's basic Latin character set, which every SEPA bank must accept.
_SEPA_TEXT = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
# Identifiers: the same set, 1 to 35 characters, not starting or ending with "/" and without
# "//" (EPC implementation guidelines).
_SEPA_ID = re.compile(r"(?!/)(?!.*//)[A-Za-z0-9/\-?:().,'+ ]{1,35}(?<!/)")


@dataclass(frozen=True)
class Debtor:
    """The account that pays: the business."""

    name: str
    iban: str
    bic: str = ""


@dataclass(frozen=True)
class CreditTransfer:
    """One payment to one account. `end_to_end_id` travels with the money to the payee's bank
    statement and back in the bank's reports: use it to reconcile."""

    end_to_end_id: str
    name: str
    iban: str
    bic: str
    amount_minor: int
    currency: str
    remittance: str


class Pain001Summary(TypedDict):
    message_id: str
    nb_of_txs: int
    ctrl_sum_minor: int
    transfers: list[tuple[str, str, int]]  # (end_to_end_id, iban, amount_minor)


def sepa_text(value: str, max_length: int) -> str:
    """`value` in the SEPA character set: accents and other scripts transliterated
    ("Niccolò" -> "Niccolo"), "&" as "+", anything else left over as a space, spaces collapsed,
    cut to `max_length`."""
    from text_unidecode import unidecode  # sepaxml's own transliteration (a dependency of it)

    text = unidecode(value or "").replace("&", "+")
    text = " ".join(_SEPA_TEXT.sub(" ", text).split())
    return text[:max_length].rstrip()


def credit_transfer_file(
    debtor: Debtor,
    transfers: list[CreditTransfer],
    *,
    message_id: str,
    execution_date: date,
    batch: bool = True,
) -> bytes:
    """A SEPA Customer Credit Transfer Initiation (pain.001.001.03) paying every transfer from
    the debtor's account on `execution_date`, validated against the schema. With `batch` the
    bank books the total as one line on the debtor's statement, otherwise one line per transfer.

    Raises ValidationFailed, naming the transfer, for anything a bank would refuse: no
    transfers, a currency other than EUR, an amount outside 0.01..999,999,999.99, an invalid or
    non-SEPA IBAN, an invalid BIC, an identifier that is not 1-35 SEPA characters or is
    repeated, a name or remittance text with nothing left once cleaned."""
    if isinstance(execution_date, datetime) or not isinstance(execution_date, date):
        raise TypeError("execution_date must be a date, not a datetime")
    if not transfers:
        raise ValidationFailed(
            _("There is nothing to pay: a bank file needs at least one transfer."),
            field="transfers",
        )
    _check_id(message_id, field="message_id", label=_("The file's message id"))
    debtor_name = sepa_text(debtor.name, 70)
    if not debtor_name:
        raise ValidationFailed(
            _("The name of the paying account holder is empty once cleaned for the bank."),
            field="debtor_name",
        )
    config = {
        "name": debtor_name,
        "IBAN": clean_iban(debtor.iban, field="debtor_iban"),
        "batch": batch,
        "currency": CURRENCY,
    }
    if debtor_bic := clean_bic(debtor.bic, field="debtor_bic"):
        config["BIC"] = debtor_bic

    document = _pain001_class()(config, message_id=message_id)
    seen_ids = set()
    for transfer in transfers:
        payment = _payment(transfer, execution_date)
        if transfer.end_to_end_id in seen_ids:
            raise ValidationFailed(
                _(
                    "Transfer %(id)s to %(name)s: this end-to-end id is already used by another "
                    "transfer in the file."
                )
                % _names(transfer),
                field="end_to_end_id",
            )
        seen_ids.add(transfer.end_to_end_id)
        document.add_payment(payment)
    return document.export(validate=True)


def validate_pain001(xml: bytes) -> None:
    """Check that `xml` is a pain.001.001.03 document, raising ValueError with the schema's
    complaint (or the parser's) if not. Entities and external references are refused."""
    import xmlschema

    try:
        _schema().validate(_resource(xml))
    except xmlschema.XMLSchemaValidationError as err:
        raise ValueError(f"{err.reason} (at {err.path})") from err
    except xmlschema.XMLResourceError as err:
        raise ValueError(str(err)) from err


def summary(xml: bytes) -> Pain001Summary:
    """What a pain.001.001.03 file asks the bank to do: its message id, the number of
    transactions and control sum of its group header (the sum in cents), and every transfer as
    (end_to_end_id, iban, amount_minor) in file order. The file is validated first
    (ValueError)."""
    validate_pain001(xml)
    root = _resource(xml).root
    ns = {"p": NAMESPACE}
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", ns)
    return {
        "message_id": header.findtext("p:MsgId", namespaces=ns),
        "nb_of_txs": int(header.findtext("p:NbOfTxs", namespaces=ns)),
        "ctrl_sum_minor": _minor(header.findtext("p:CtrlSum", namespaces=ns)),
        "transfers": [
            (
                tx.findtext("p:PmtId/p:EndToEndId", namespaces=ns),
                tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=ns),
                _minor(tx.findtext("p:Amt/p:InstdAmt", namespaces=ns)),
            )
            for tx in root.iterfind("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", ns)
        ],
    }


@functools.cache
def _pain001_class():
    """sepaxml's transfer file with our message id instead of a random one (sepaxml is
    imported when a file is made, not when the app starts)."""
    from sepaxml import SepaTransfer

    class _Pain001(SepaTransfer):
        def __init__(self, config, *, message_id):
            self._message_id = message_id
            super().__init__(config, schema=SCHEMA, clean=True)

        def _create_header(self):
            self.msg_id = self._message_id
            super()._create_header()

    return _Pain001


def _names(transfer: CreditTransfer) -> dict:
    return {"id": transfer.end_to_end_id, "name": transfer.name}


def _check_id(value, *, field, label):
    if not isinstance(value, str) or not _SEPA_ID.fullmatch(value):
        raise ValidationFailed(
            _(
                "%(label)s must be 1 to 35 characters among letters, digits, spaces and "
                "/ - ? : ( ) . , ' +, and must not start or end with / or contain //."
            )
            % {"label": label},
            field=field,
        )


def _payment(transfer: CreditTransfer, execution_date: date) -> dict:
    names = _names(transfer)
    _check_id(
        transfer.end_to_end_id,
        field="end_to_end_id",
        label=_("The end-to-end id of the transfer to %(name)s") % names,
    )
    if transfer.currency != CURRENCY:
        raise ValidationFailed(
            _(
                "Transfer %(id)s to %(name)s is in %(currency)s: SEPA credit transfers can only "
                "be in euros (EUR)."
            )
            % {**names, "currency": transfer.currency},
            field="currency",
        )
    amount = transfer.amount_minor
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount_minor must be an int of cents, not {type(amount).__name__}")
    if not 1 <= amount <= MAX_AMOUNT_MINOR:
        raise ValidationFailed(
            _(
                "Transfer %(id)s to %(name)s: a SEPA transfer is between EUR 0.01 and "
                "EUR 999,999,999.99."
            )
            % names,
            field="amount_minor",
        )
    try:
        iban = clean_iban(transfer.iban)
        bic = clean_bic(transfer.bic)
    except ValidationFailed as err:
        raise ValidationFailed(
            _("Transfer %(id)s to %(name)s: %(error)s") % {**names, "error": err.message},
            field=err.field,
        ) from err
    name = sepa_text(transfer.name, 70)
    if not name:
        raise ValidationFailed(
            _("Transfer %(id)s: the payee's name is empty once cleaned for the bank.") % names,
            field="name",
        )
    remittance = sepa_text(transfer.remittance, 140)
    if not remittance:
        raise ValidationFailed(
            _("Transfer %(id)s to %(name)s: the payment reason is empty once cleaned for the bank.")
            % names,
            field="remittance",
        )
    payment = {
        "name": name,
        "IBAN": iban,
        "amount": amount,
        "execution_date": execution_date,
        "description": remittance,
        "endtoend_id": transfer.end_to_end_id,
    }
    if bic:  # sepaxml writes an empty, schema-invalid <BIC/> for an empty one
        payment["BIC"] = bic
    return payment


@functools.cache
def _schema():
    # Imported here, as sepaxml does: importing xmlschema at module level used to upset
    # ElementTree for sepaxml.
    import xmlschema

    xsd = importlib.resources.files("sepaxml") / "schemas" / f"{SCHEMA}.xsd"
    with importlib.resources.as_file(xsd) as path:
        return xmlschema.XMLSchema(str(path))


def _resource(xml: bytes):
    import xmlschema

    if not isinstance(xml, bytes | bytearray):
        raise TypeError("xml must be bytes")
    return xmlschema.XMLResource(io.BytesIO(xml), defuse="always", allow="none")


def _minor(text: str) -> int:
    cents = Decimal(text) * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{text} is not a whole number of cents")
    return int(cents)
