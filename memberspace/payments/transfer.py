"""The EPC QR code (« QR code SEPA ») of a transfer: a banking app reads it, and nobody types the amount or reference.

The European Payments Council's format (version 002), made by ``segno``: the club's name
and IBAN from ``ClubSettings``, the amount due now (worked out by the ledger), and the
enrollment's reference as the transfer's text, which the treasurer's statement import
then finds.
"""

from django.utils.safestring import mark_safe

# The format's own limits: the beneficiary's name, and the unstructured remittance text.
NAME_MAX, TEXT_MAX = 70, 140


def transfer_fields(club, amount, reference):
    """What the code holds: the club's name, IBAN and BIC, ``amount`` (Decimal euros) and ``reference``; None
    without an IBAN or an amount."""
    if not club.iban or not amount or amount <= 0:
        return None
    return {
        "name": (club.bank_account_holder or "Le PO")[:NAME_MAX],
        "iban": club.iban,
        "bic": club.bic or None,
        "amount": amount,
        "text": reference[:TEXT_MAX],
    }


def transfer_code(club, amount, reference):
    """The EPC QR code of a transfer of ``amount`` to the club, as inline SVG; "" without an IBAN or an amount."""
    import segno.helpers

    fields = transfer_fields(club, amount, reference)
    if fields is None:
        return ""
    code = segno.helpers.make_epc_qr(**fields)
    # Only numbers and fixed markup come out of segno here: the names are in the code, not in the SVG.
    return mark_safe(code.svg_inline(scale=4, border=2, svgclass="transfer-code__image", lineclass=None))  # noqa: S308
