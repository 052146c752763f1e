"""A transfer reconciled (issue 16, item 3): the treasurer imports the bank's statement; the credits
that name an enrollment, or that only one family owes, are recorded; the others wait « à rapprocher »."""

import datetime
from decimal import Decimal
from xml.sax.saxutils import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import EnrollmentStatus
from memberspace.payments import reconciliation, statements
from memberspace.payments.models import LineState, Method, Payment, StatementFormat, StatementImport, StatementLine
from memberspace.payments.services import PaymentRefused
from memberspace.payments.statements import CsvMapping, StatementError
from tests import dates
from tests.auth import login_staff
from tests.factories import ChildFactory, ParentFactory

pytestmark = pytest.mark.django_db

D = Decimal


def booked():
    """The day the bank booked the lines of the statements below."""
    return dates.today() - datetime.timedelta(days=2)


IBAN = "FR7630006000011234567890189"


# Small statements, written as the banks write them


def camt053(entries, version="camt.053.001.02"):
    """A camt.053 document: ``entries`` are dicts of amount, payer, text, and optionally debit, bank_id, status."""
    ntries = []
    for entry in entries:
        indicator = "DBIT" if entry.get("debit") else "CRDT"
        party = "Cdtr" if entry.get("debit") else "Dbtr"
        day = entry.get("date", booked()).isoformat()
        ntries.append(
            f"""<Ntry><Amt Ccy="EUR">{entry["amount"]}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>
            <Sts>{entry.get("status", "BOOK")}</Sts><BookgDt><Dt>{day}</Dt></BookgDt>
            <ValDt><Dt>{day}</Dt></ValDt>
            <AcctSvcrRef>{entry.get("bank_id", "")}</AcctSvcrRef>
            <NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
            <RltdPties><{party}><Nm>{escape(entry.get("payer", ""))}</Nm></{party}></RltdPties>
            <RmtInf><Ustrd>{escape(entry.get("text", ""))}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{version}"><BkToCstmrStmt>
<GrpHdr><MsgId>RELEVE-1</MsgId><CreDtTm>{dates.today().isoformat()}T08:00:00</CreDtTm></GrpHdr>
<Stmt><Id>1</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id></Acct>{"".join(ntries)}</Stmt>
</BkToCstmrStmt></Document>""".encode()


def ofx_sgml(transactions):
    """An OFX 1.02 (SGML) statement, as French banks still export it."""
    rows = "".join(
        f"<STMTTRN><TRNTYPE>{'DEBIT' if amount.startswith('-') else 'CREDIT'}<DTPOSTED>{booked():%Y%m%d}"
        f"<TRNAMT>{amount}<FITID>{fitid}<NAME>{name}{f'<MEMO>{memo}' if memo else ''}</STMTTRN>\n"
        for fitid, amount, name, memo in transactions
    )
    return (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
        "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
        "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20270115"
        "<LANGUAGE>FRA</SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0"
        "<SEVERITY>INFO</STATUS><STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>30006<BRANCHID>00001"
        "<ACCTID>12345678901<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>"
        f"<DTSTART>{booked():%Y%m%d}<DTEND>{dates.today():%Y%m%d}\n{rows}</BANKTRANLIST>"
        f"<LEDGERBAL><BALAMT>100.00<DTASOF>{dates.today():%Y%m%d}</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
    ).encode("cp1252")


def bank_csv(rows, encoding="cp1252"):
    """A French bank's CSV: account lines first, « ; » separators, decimal commas, Windows-1252."""
    lines = [
        "Compte courant;FR76 3000 6000 0112 3456 7890 189",
        "",
        "Date opération;Libellé;Émetteur;Débit;Crédit",
    ]
    lines += [";".join(row) for row in rows]
    lines.append(";Solde au " + dates.today().strftime("%d/%m/%Y") + ";;;1 234,56")
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


CSV_MAPPING = CsvMapping(date="Date opération", credit="Crédit", debit="Débit", payer="émetteur", reference="LIBELLÉ")


def upload(data, name="releve.xml"):
    return SimpleUploadedFile(name, data)


def import_file(data, by, file_format=StatementFormat.CAMT053, mapping=None, name="releve.xml"):
    return reconciliation.import_statement(upload(data, name), file_format=file_format, mapping=mapping, by=by)


def refresh(enrollment):
    enrollment.refresh_from_db()
    return enrollment


def spaced(reference):
    """« PO-2027-00042 » as a parent types it: « po 2027 0042 »."""
    _po, year, number = reference.split("-")
    return f"po {year} {int(number):04d}"


@pytest.fixture
def second_family(stay, secretary):
    """The Durand family, whose Hugo also goes to the stay (another 150 € deposit due)."""
    mother = ParentFactory(email="ines.durand@exemple.fr", first_name="Inès", last_name="Durand")
    hugo = ChildFactory(
        first_name="Hugo",
        last_name="Durand",
        birth_date=stay.start_date.replace(year=stay.start_date.year - 9),
        guardians=[(mother, "mere")],
    )
    (requested,) = enrollments.request_enrollments(mother, offer=stay, children=[hugo])
    return enrollments.validate(requested, by=secretary)


# Matching


def test_a_transfer_naming_its_reference_is_recorded_and_the_deposit_received(enrollment, treasurer):
    data = camt053([{"amount": "150.00", "payer": "M. PAUL MARTIN", "text": f"Acompte {spaced(enrollment.reference)}"}])
    statement = import_file(data, treasurer)
    assert (statement.lines_count, statement.matched_count, statement.to_reconcile_count) == (1, 1, 0)
    line = statement.lines.get()
    assert line.state == LineState.MATCHED and line.booked_on == booked() and line.account == IBAN
    payment = line.payment
    assert (payment.enrollment, payment.amount, payment.method) == (enrollment, D("150.00"), Method.TRANSFER)
    assert payment.received_on == booked() and payment.recorded_by == treasurer
    assert payment.payer_name == "M. PAUL MARTIN" and spaced(enrollment.reference) in payment.reference
    assert refresh(enrollment).status == EnrollmentStatus.DEPOSIT_RECEIVED


@pytest.mark.parametrize(
    "written",
    [
        lambda ref: ref.lower(),
        lambda ref: ref.replace("-", " "),
        lambda ref: ref.replace("-", ""),
        lambda ref: "P.O. " + ref[3:],
        spaced,
    ],
)
def test_a_reference_is_read_however_it_is_written(enrollment, written):
    assert reconciliation.references_in(f"VIR SEPA {written(enrollment.reference)} ACOMPTE") == [enrollment.reference]


def test_no_reference_is_read_in_other_words():
    assert reconciliation.references_in("DEPOT 2027 12 SPORT 2027-00042 REPO 2027 1") == []


def test_without_a_reference_the_amount_due_and_the_payers_name_match(enrollment, treasurer):
    data = camt53_one(payer="MME CLAIRE MARTIN", text="Virement neige", amount="150.00")
    line = import_file(data, treasurer).lines.get()
    assert line.state == LineState.MATCHED and line.payment.enrollment == enrollment
    assert refresh(enrollment).status == EnrollmentStatus.DEPOSIT_RECEIVED
    # The balance next: 300 €, from the father this time, his names in the bank's order.
    data = camt53_one(payer="MARTIN PAUL", text="solde sejour", amount="300.00", bank_id="B2")
    line = import_file(data, treasurer).lines.get()
    assert line.state == LineState.MATCHED and refresh(enrollment).status == EnrollmentStatus.PAID


def camt53_one(**entry):
    return camt053([entry])


def test_an_amount_that_two_families_owe_matches_only_the_named_one(enrollment, second_family, treasurer):
    line = import_file(camt53_one(payer="DURAND INES", text="acompte", amount="150.00"), treasurer).lines.get()
    assert line.state == LineState.MATCHED and line.payment.enrollment == second_family
    assert refresh(enrollment).status == EnrollmentStatus.VALIDATED


def test_two_enrollments_of_one_family_for_the_same_amount_are_ambiguous(
    enrollment, stay, lea, mother, secretary, treasurer
):
    sister = ChildFactory(
        first_name="Emma", last_name="Martin", birth_date=lea.birth_date, guardians=[(mother, "mere")]
    )
    (requested,) = enrollments.request_enrollments(mother, offer=stay, children=[sister])
    emma = enrollments.validate(requested, by=secretary)
    line = import_file(camt53_one(payer="CLAIRE MARTIN", amount="150.00"), treasurer).lines.get()
    assert line.state == LineState.TO_RECONCILE and line.payment is None
    assert set(line.candidates.all()) == {enrollment, emma}
    assert "Plusieurs inscriptions" in line.note
    assert not Payment.objects.exists()


def test_an_unknown_payer_waits_in_the_queue(enrollment, treasurer):
    line = import_file(camt53_one(payer="SARL INCONNUE", text="FACTURE 12", amount="150.00"), treasurer).lines.get()
    assert line.state == LineState.TO_RECONCILE and list(line.candidates.all()) == []
    assert "Aucune référence" in line.note


def test_a_known_family_paying_another_amount_is_suggested_not_recorded(enrollment, treasurer):
    line = import_file(camt53_one(payer="CLAIRE MARTIN", amount="120.00"), treasurer).lines.get()
    assert line.state == LineState.TO_RECONCILE and list(line.candidates.all()) == [enrollment]
    assert not Payment.objects.exists()


def test_a_reference_to_an_enrollment_not_validated_waits_with_it_suggested(stay, lea, mother, treasurer):
    (requested,) = enrollments.request_enrollments(mother, offer=stay, children=[lea])
    line = import_file(camt53_one(payer="C MARTIN", text=requested.reference, amount="150.00"), treasurer).lines.get()
    assert line.state == LineState.TO_RECONCILE and list(line.candidates.all()) == [requested]
    assert "aucun paiement n'est attendu" in line.note


def test_debits_and_entries_not_booked_are_kept_and_ignored(enrollment, treasurer):
    data = camt053(
        [
            {"amount": "12.50", "debit": True, "payer": "BANQUE", "text": f"FRAIS {enrollment.reference}"},
            {"amount": "150.00", "status": "PDNG", "payer": "PAUL MARTIN", "text": enrollment.reference},
        ]
    )
    statement = import_file(data, treasurer)
    assert statement.ignored_count == 2 and statement.matched_count == 0
    amounts = sorted(statement.lines.values_list("amount", flat=True))
    assert amounts == [D("-12.50"), D("150.00")]
    assert not Payment.objects.exists()


# The same statement twice


def test_the_same_statement_imported_twice_records_nothing_twice(enrollment, treasurer):
    data = camt053(
        [
            {"amount": "150.00", "payer": "PAUL MARTIN", "text": enrollment.reference, "bank_id": "B1"},
            {"amount": "40.00", "payer": "SARL INCONNUE", "text": "DON", "bank_id": "B2"},
            {"amount": "9.90", "debit": True, "payer": "BANQUE", "text": "FRAIS", "bank_id": "B3"},
        ]
    )
    first = import_file(data, treasurer)
    assert (first.matched_count, first.to_reconcile_count, first.ignored_count, first.already_count) == (1, 1, 1, 0)
    second = import_file(data, treasurer, name="releve-encore.xml")
    assert (second.lines_count, second.already_count, second.matched_count) == (3, 3, 0)
    assert Payment.objects.count() == 1
    assert StatementLine.objects.filter(state=LineState.TO_RECONCILE).count() == 1
    assert "releve.xml" in second.lines.first().note
    assert reconciliation.summary(second) == "3 déjà importées"


def test_two_identical_transfers_in_one_statement_are_both_kept(enrollment, treasurer):
    same = {"amount": "75.00", "payer": "PAUL MARTIN", "text": enrollment.reference}
    statement = import_file(camt053([same, same]), treasurer)
    assert statement.matched_count == 2 and Payment.objects.filter(enrollment=enrollment).count() == 2
    again = import_file(camt053([same, same]), treasurer)
    assert again.already_count == 2 and Payment.objects.count() == 2


def test_the_same_ofx_and_csv_imported_twice_record_nothing_twice(enrollment, treasurer):
    ofx = ofx_sgml([("F1", "150,00", "VIR PAUL MARTIN", enrollment.reference)])
    assert import_file(ofx, treasurer, StatementFormat.OFX, name="r.ofx").matched_count == 1
    assert import_file(ofx, treasurer, StatementFormat.OFX, name="r.ofx").already_count == 1
    csv_data = bank_csv([(booked().strftime("%d/%m/%Y"), f"VIR {enrollment.reference}", "PAUL MARTIN", "", "300,00")])
    assert import_file(csv_data, treasurer, StatementFormat.CSV, CSV_MAPPING, "r.csv").matched_count == 1
    assert import_file(csv_data, treasurer, StatementFormat.CSV, CSV_MAPPING, "r.csv").already_count == 1
    assert Payment.objects.count() == 2 and refresh(enrollment).status == EnrollmentStatus.PAID


# The three formats


def test_an_ofx_statement_is_read(enrollment):
    data = ofx_sgml(
        [
            ("F1", "150.00", "VIR SEPA MARTIN PAUL", f"ACOMPTE {enrollment.reference}"),
            ("F2", "-12.50", "FRAIS TENUE COMPTE", ""),
        ]
    )
    credit, debit = statements.read(data, StatementFormat.OFX)
    assert (credit.booked_on, credit.amount, credit.bank_id, credit.account) == (
        booked(),
        D("150.00"),
        "F1",
        "12345678901",
    )
    assert credit.payer_name == "VIR SEPA MARTIN PAUL" and enrollment.reference in credit.reference
    assert debit.amount == D("-12.50") and debit.payer_name == ""


def test_a_camt053_of_a_later_version_is_read():
    (line,) = statements.read(camt053([{"amount": "1234.56", "payer": "X"}], "camt.053.001.08"), "camt053")
    assert line.amount == D("1234.56")


def test_a_french_csv_is_read_with_the_treasurers_columns():
    data = bank_csv(
        [
            (booked().strftime("%d/%m/%Y"), "VIR DE M. MARTIN", "Paul Martin", "", "1 234,56"),
            (booked().strftime("%d/%m/%Y"), "CB PAPETERIE", "", "12,30", ""),
            ("", "", "", "", ""),
        ]
    )
    credit, debit = statements.read(data, "csv", CSV_MAPPING)
    assert (credit.amount, credit.payer_name, credit.reference) == (D("1234.56"), "Paul Martin", "VIR DE M. MARTIN")
    assert debit.amount == D("-12.30")


def test_a_csv_with_column_numbers_and_one_signed_amount_column_in_utf8():
    data = "Date;Montant;Libellé\n02/01/2027;-5,00;Frais\n03/01/2027;+150,00;Virement Léa\n".encode("utf-8-sig")
    lines = statements.read(data, "csv", CsvMapping(date="1", amount="2", reference="3"))
    assert [(line.amount, line.reference) for line in lines] == [(D("-5.00"), "Frais"), (D("150.00"), "Virement Léa")]


def test_a_formula_in_a_csv_cell_is_kept_as_plain_text(treasurer, enrollment):
    formula = "=cmd|' /C calc'!A0"
    data = bank_csv([(booked().strftime("%d/%m/%Y"), formula, "@SUM(1+1)", "", "10,00")])
    line = import_file(data, treasurer, StatementFormat.CSV, CSV_MAPPING, "r.csv").lines.get()
    assert (line.reference, line.payer_name) == (formula, "@SUM(1+1)")
    assert line.state == LineState.TO_RECONCILE
    # A formula where an amount is expected is no amount.
    data = bank_csv([(booked().strftime("%d/%m/%Y"), "x", "y", "", "=1+1")])
    with pytest.raises(StatementError, match="Ligne 4 : montant illisible « =1\\+1 » \\(colonne crédit\\)"):
        statements.read(data, "csv", CSV_MAPPING)


# Bad files


@pytest.mark.parametrize(
    ("data", "file_format", "message"),
    [
        (b"", "camt053", "Le fichier est vide"),
        (b"<Document><oops", "camt053", "Fichier XML illisible"),
        (b"<html><body>Relev\xc3\xa9</body></html>", "camt053", "pas un relevé CAMT.053"),
        (b"PK\x03\x04 not an ofx at all", "ofx", "Fichier OFX illisible"),
        (b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BROKEN>", "ofx", "Fichier OFX illisible"),
        (b"PK\x03\x04\x00\x00xlsx", "csv", "exportez-le en CSV"),
        (b"Date;Montant\n32/13/2027;10,00\n", "csv", "Aucune date lisible"),
    ],
)
def test_a_bad_file_is_refused_in_french(data, file_format, message):
    mapping = CsvMapping(date="1", amount="2")
    with pytest.raises(StatementError, match=message):
        statements.read(data, file_format, mapping)


def test_a_csv_whose_columns_are_not_found_names_the_titles_read():
    data = b"Date;Montant;Texte\n01/01/2027;10,00;x\n"
    with pytest.raises(StatementError) as refused:
        statements.read(data, "csv", CsvMapping(date="Date", amount="Crédit"))
    assert str(refused.value) == (
        "Colonne(s) introuvable(s) : « Crédit » (montant). Titres lus sur la première ligne : "
        "« Date », « Montant », « Texte »."
    )


def test_a_csv_row_with_a_bad_date_is_named():
    data = b"Date;Montant\n01/01/2027;10,00\n2027-99-01;10,00\n"
    with pytest.raises(StatementError, match="Ligne 3 : date illisible « 2027-99-01 »"):
        statements.read(data, "csv", CsvMapping(date="Date", amount="Montant"))


def test_xml_entities_and_dtds_are_refused():
    xxe = b"""<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
    <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Ntry>
    <Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><AddtlNtryInf>&x;</AddtlNtryInf></Ntry></Stmt>
    </BkToCstmrStmt></Document>"""
    with pytest.raises(StatementError, match="DTD"):
        statements.read(xxe, "camt053")
    with pytest.raises(StatementError, match="DTD"):
        statements.read(xxe, "ofx")


def test_pycamts_own_parser_resolves_no_entity_and_opens_no_network():
    """Beside our refusal of any DTD: pycamt's lxml parser, were a document to reach it, expands nothing."""
    from pycamt.parser import Camt053Parser

    xxe = b"""<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
    <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Ntry>
    <Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><AddtlNtryInf>&x;</AddtlNtryInf></Ntry></Stmt>
    </BkToCstmrStmt></Document>"""
    parser = Camt053Parser(xxe)
    assert parser.get_transactions()[0]["AdditionalEntryInformation"] in (None, "")


def test_a_huge_file_is_refused_before_it_is_read(settings):
    with pytest.raises(StatementError, match="Fichier trop volumineux : 2 Mo au plus"):
        statements.read(b"x" * (statements.MAX_STATEMENT_BYTES + 1), "csv", CsvMapping(date="1", amount="2"))


def test_a_bad_file_stores_nothing(treasurer):
    with pytest.raises(StatementError):
        import_file(b"<Document>", treasurer)
    assert not StatementImport.objects.exists()


# The queue


def test_the_treasurer_imports_a_statement_and_reads_the_summary(client, enrollment, treasurer):
    login_staff(client, treasurer)
    import_url = reverse("payments_statementline_modeladmin_import")
    assert client.get(import_url).status_code == 200
    data = camt053(
        [
            {"amount": "150.00", "payer": "PAUL MARTIN", "text": enrollment.reference},
            {"amount": "80.00", "payer": "SARL INCONNUE", "text": "DON"},
            {"amount": "3.00", "debit": True, "payer": "BANQUE", "text": "FRAIS"},
        ]
    )
    response = client.post(import_url, {"file": upload(data), "file_format": "camt053"}, follow=True)
    page = response.content.decode()
    assert "1 ligne rapprochée, 1 à rapprocher, 1 ignorée (débit…)" in page
    assert "SARL INCONNUE" in page and "FRAIS" not in page  # the queue: the line « à rapprocher » only


def test_a_garbled_file_is_said_beside_the_field_never_a_500(client, treasurer):
    login_staff(client, treasurer)
    response = client.post(
        reverse("payments_statementline_modeladmin_import"),
        {"file": upload(b"\x00\x01garbage", "releve.csv"), "file_format": "csv", "date": "Date", "amount": "Montant"},
    )
    assert response.status_code == 200
    assert "Ce fichier n&#x27;est pas un fichier texte CSV" in response.content.decode()
    response = client.post(
        reverse("payments_statementline_modeladmin_import"),
        {"file": upload(b"a;b\n1;2\n", "releve.csv"), "file_format": "csv"},
    )
    assert "indiquez au moins les colonnes de la date" in response.content.decode()


def test_attaching_a_line_from_the_queue_records_it_once(client, enrollment, treasurer):
    line = import_file(camt53_one(payer="CLAIRE MARTIN", amount="120.00"), treasurer).lines.get()
    login_staff(client, treasurer)
    index = client.get(reverse("payments_statementline_modeladmin_index")).content.decode()
    attach_url = reverse("payments_statementline_modeladmin_attach", args=[line.pk])
    assert f'formaction="{attach_url}" name="enrollment" value="{enrollment.pk}"' in index
    first = client.post(attach_url, {"enrollment": enrollment.pk}, follow=True)
    assert "Virement de 120\u00a0€ rattaché à Léa Martin" in first.content.decode()
    again = client.post(attach_url, {"enrollment": enrollment.pk}, follow=True)
    assert "Cette ligne est déjà rattachée à l&#x27;inscription" in again.content.decode()
    # a double click on the listing's button: back on the listing, not on the attach page of a matched line
    assert again.redirect_chain[-1][0] == reverse("payments_statementline_modeladmin_index")
    line.refresh_from_db()
    assert line.state == LineState.MATCHED and line.handled_by == treasurer
    assert Payment.objects.filter(enrollment=enrollment).count() == 1
    assert line.payment.amount == D("120.00") and line.payment.received_on == booked()


def test_a_line_is_attached_by_reference_to_any_enrollment(client, enrollment, treasurer):
    line = import_file(camt53_one(payer="CE AIRBUS", text="AIDE VACANCES", amount="450.00"), treasurer).lines.get()
    login_staff(client, treasurer)
    url = reverse("payments_statementline_modeladmin_attach", args=[line.pk])
    assert "Référence de l&#x27;inscription" in client.get(url).content.decode()
    unknown = client.post(url, {"reference": "PO-1999-99999"}, follow=True)
    assert "Aucune inscription de référence « PO-1999-99999 »" in unknown.content.decode()
    client.post(url, {"reference": spaced(enrollment.reference)})
    assert refresh(enrollment).status == EnrollmentStatus.PAID


def test_an_enrollment_not_suggested_is_not_attached_by_its_id(enrollment, second_family, treasurer, client):
    line = import_file(camt53_one(payer="CLAIRE MARTIN", amount="120.00"), treasurer).lines.get()
    login_staff(client, treasurer)
    url = reverse("payments_statementline_modeladmin_attach", args=[line.pk])
    response = client.post(url, {"enrollment": second_family.pk}, follow=True)
    assert "Cette inscription n&#x27;est pas suggérée" in response.content.decode()
    assert not Payment.objects.exists()


def test_a_line_set_aside_is_attached_no_more(enrollment, treasurer):
    line = import_file(camt53_one(payer="MAIRIE", text="SUBVENTION", amount="500.00"), treasurer).lines.get()
    reconciliation.dismiss_line(line, by=treasurer)
    line.refresh_from_db()
    assert line.state == LineState.IGNORED and line.handled_by == treasurer
    with pytest.raises(PaymentRefused, match="n'est plus à rapprocher"):
        reconciliation.attach_line(line, enrollment, by=treasurer)


def test_only_the_treasury_and_the_secretariat_see_the_lines(client, enrollment, treasurer, secretary, editor):
    line = import_file(camt53_one(payer="SARL INCONNUE", amount="10.00"), treasurer).lines.get()
    urls = [
        reverse("payments_statementline_modeladmin_index"),
        reverse("payments_statementline_modeladmin_import"),
        reverse("payments_statementline_modeladmin_attach", args=[line.pk]),
        reverse("payments_statementline_modeladmin_dismiss", args=[line.pk]),
    ]
    login_staff(client, secretary)
    assert [client.get(url).status_code for url in urls] == [200, 200, 200, 200]
    client.logout()
    login_staff(client, editor)
    assert [client.get(url).status_code for url in urls] == [403, 403, 403, 403]
    assert client.post(urls[1], {"file": upload(b"x"), "file_format": "csv"}).status_code == 403
