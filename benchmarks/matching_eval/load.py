"""Loading an ``EvaluationSet`` on a database: the old base through the real importer, the sign-ups as accounts.

Needs Django set up. The accounts are created as the sign-up form leaves them (names,
email in lower case, the mobile in E.164 as ``PhoneField`` stores it, street address, postcode, message),
and the children a parent added as ``AttachmentRequest`` rows.
"""

from dataclasses import dataclass
from pathlib import Path

from benchmarks.make_legacy_export import write
from benchmarks.matching_eval.generator import export_rows


@dataclass
class Loaded:
    child_ids: dict  # legacy id → Child pk
    accounts: dict  # Signup.key → account
    import_report: object
    export: Path


def load(evaluation, workdir):
    from memberspace.accounts.models import ParentAccount
    from memberspace.families.models import Child
    from memberspace.legacy.importer import import_file
    from memberspace.legacy.models import AttachmentRequest
    from memberspace.notifications.phones import mobile_e164

    export = Path(workdir) / f"ancienne-base-{evaluation.seed}-{len(evaluation.children)}.csv"
    write(export, export_rows(evaluation))
    report = import_file(export)
    if not report.written or report.created != len(evaluation.children):
        raise RuntimeError(f"the import did not load the whole base: {report}")
    child_ids = dict(Child.objects.migrated().values_list("legacy_id", "pk"))
    accounts, requests = {}, []
    for signup in evaluation.signups:
        account = ParentAccount.objects.create_user(
            email=signup.email,
            password=None,
            first_name=signup.first_name,
            last_name=signup.last_name,
            phone=mobile_e164(signup.phone) or "",
            street=signup.street,
            postal_code=signup.postal_code.replace(" ", ""),
            club_message=signup.club_message.strip(),
        )
        accounts[signup.key] = account
        requests += [
            AttachmentRequest(parent=account, first_name=first, last_name=last, birth_date=birth)
            for first, last, birth in signup.attachments
        ]
    AttachmentRequest.objects.bulk_create(requests)
    return Loaded(child_ids=child_ids, accounts=accounts, import_report=report, export=export)


def unload():
    """Remove what ``load`` wrote (children, their contacts, the accounts and their requests)."""
    from memberspace.accounts.models import ParentAccount
    from memberspace.families.models import Child

    ParentAccount.objects.all().delete()
    Child.objects.all().delete()
