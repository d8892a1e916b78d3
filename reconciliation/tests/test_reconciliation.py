"""Statements, matches and periods through the services, on PostgreSQL, every figure by hand."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditEntry, StateChange
from reconciliation import hooks, selectors, services
from reconciliation.models import Adjustment, BankLine, Match, MatchState, Period, Statement
from reconciliation.tests.helpers import D, account_for, client, csv_file, day, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    got = []

    def observer(period, differences):
        got.append((period, differences))

    hooks.register_difference_observer(observer)
    yield got
    hooks.unregister_difference_observer(observer)


def _import(account, upload, user):
    statement = services.statement_review(account=account, upload=upload, acting_user=user)
    if statement.state == "reviewed":
        services.statement_apply(statement=statement, acting_user=user)
        statement.refresh_from_db()
    return statement


# Ten payments DEP-1001…DEP-1010 of 110.00, 120.00, … 200.00 on 2…11 November. The statement has
# the first seven: five as recorded, DEP-1006 as 159.00 (recorded 160.00) and DEP-1007 as 175.00
# (recorded 170.00). Missing from the bank: DEP-1008, 1009, 1010.
ROWS = [(f"2026-11-{i + 1:02d}", f"{100 + 10 * i}.00", f"DEP-{1000 + i}", "DEPOSITO") for i in range(1, 6)] + [
    ("2026-11-07", "159.00", "DEP-1006", "DEPOSITO"), ("2026-11-08", "175.00", "DEP-1007", "DEPOSITO")]


def _ten_payments(user):
    acme = client()
    return [pay(acme, user, D(100 + 10 * i), day(i + 1), f"DEP-{1000 + i}") for i in range(1, 11)]


def test_three_missing_and_two_wrong_amounts_flag_exactly_those_five(company, users, heard,
                                                                      django_capture_on_commit_callbacks):
    user = users["Contador"]
    account = account_for(company)
    pays = _ten_payments(user)
    month = services.period_create(account=account, start=day(1), end=day(30), acting_user=user)
    with django_capture_on_commit_callbacks(execute=True):
        statement = _import(account, csv_file(ROWS), user)
    assert (statement.state, statement.new, statement.unchanged) == ("applied", 7, 0)
    assert Match.objects.filter(state="proposed", rule="reference", confidence=100).count() == 5
    (period, found), = heard  # the statement left differences: the observers heard once, of its month
    assert period.pk == month.pk
    kinds = sorted((f["kind"], f["payment"], f["book"], f["bank"], f["difference"]) for f in found)
    assert kinds == [("different", pays[5].pk, D("160.00"), D("159.00"), D("-1.00")),
                     ("different", pays[6].pk, D("170.00"), D("175.00"), D("5.00")),
                     ("missing", pays[7].pk, D("180.00"), D("0.00"), D("-180.00")),
                     ("missing", pays[8].pk, D("190.00"), D("0.00"), D("-190.00")),
                     ("missing", pays[9].pk, D("200.00"), D("0.00"), D("-200.00"))]

    # Accepted in bulk, then the month closed: the same five, told again.
    services.match_accept(matches=Match.objects.filter(account=account), acting_user=user)
    report = selectors.period_report(month)
    # bank 110+120+130+140+150+159+175 = 984.00; books 110+…+200 = 1,550.00
    assert (report["bank_total"], report["book_total"]) == (D("984.00"), D("1550.00"))
    assert (report["matched_lines"], report["unmatched_lines"]) == (D("650.00"), D("334.00"))
    assert (report["matched_payments"], report["unmatched_payments"]) == (D("650.00"), D("900.00"))
    assert report["difference"] == D("-566.00")
    with django_capture_on_commit_callbacks(execute=True):
        services.period_close(period=month, acting_user=user)
    assert len(heard) == 2 and heard[1][0].pk == month.pk
    assert sorted(f["kind"] for f in heard[1][1]) == ["different", "different", "missing", "missing", "missing"]


def test_the_same_file_twice_adds_nothing(company, users):
    user = users["Contador"]
    account = account_for(company)
    rows = [*ROWS, ("2026-11-30", "-3.50", "", "COMISION"), ("2026-11-30", "-3.50", "", "COMISION")]
    first = _import(account, csv_file(rows), user)
    assert (first.new, BankLine.objects.count()) == (9, 9)  # two equal fees on one day are two lines
    again = services.statement_review(account=account, upload=csv_file(rows), acting_user=user)
    assert (again.state, again.new, again.unchanged) == ("reviewed", 0, 9)
    services.statement_apply(statement=again, acting_user=user)
    assert BankLine.objects.count() == 9
    # One more line in a later export of the same days: only it is new.
    later = _import(account, csv_file([*rows, ("2026-11-30", "-3.50", "", "COMISION")]), user)
    assert (later.new, later.unchanged, BankLine.objects.count()) == (1, 9, 10)


def test_errors_by_row_and_column_and_nothing_added(company, users):
    user = users["Contador"]
    account = account_for(company, bank="agricola")  # cargo / abono in two columns, dates DD/MM/AAAA
    upload = csv_file([("02/11/2026", "Deposito", "D-1", "", "100.00"), ("31/02/2026", "Deposito", "D-2", "", "5.00"),
                       ("03/11/2026", "Cheque", "C-3", "abc", ""), ("04/11/2026", "Cargo", "C-4", "10.00", "")],
                      header="fecha,descripción,referencia,cargo,abono")
    statement = services.statement_review(account=account, upload=upload, acting_user=user)
    assert statement.state == "invalid"
    assert [e[:2] for e in statement.errors] == [[3, "fecha"], [4, "cargo"]]
    assert BankLine.objects.count() == 0
    fine = _import(account, csv_file([("02/11/2026", "Deposito", "D-1", "", "100.00"),
                                      ("04/11/2026", "Cargo", "C-4", "10.00", "")],
                                     header="fecha,descripción,referencia,cargo,abono"), user)
    assert sorted(BankLine.objects.values_list("amount", flat=True)) == [D("-10.00"), D("100.00")]
    assert fine.state == "applied"


def test_a_file_missing_the_mapped_columns_is_refused(company, users):
    from bulk.reading import FileRejected

    account = account_for(company, bank="bac")
    with pytest.raises(FileRejected, match="débitos"):
        services.statement_review(account=account, upload=csv_file(ROWS), acting_user=users["Contador"])


def test_many_to_one_and_one_to_many(company, users):
    user = users["Contador"]
    account = account_for(company)
    acme, beta = client(), client("Beta Comercial", "06140101900018")
    a = pay(acme, user, "120.00", day(5), "LOTE-77")
    b = pay(beta, user, "180.00", day(5), "LOTE-77")
    c = pay(acme, user, "500.00", day(6), "FAC-9001")
    _import(account, csv_file([("2026-11-05", "300.00", "LOTE-77", "DEPOSITO LOTE"),
                               ("2026-11-06", "200.00", "FAC-9001", "ABONO"), ("2026-11-07", "300.00", "FAC-9001", "ABONO")]),
            user)
    lines = dict(BankLine.objects.values_list("reference", "pk").order_by("pk")[:1])
    many = Match.objects.get(rule="reference_many")
    assert sorted(many.payment_links.values_list("payment_id", flat=True)) == sorted([a.pk, b.pk])
    assert list(many.line_links.values_list("line_id", flat=True)) == [lines["LOTE-77"]]
    split = Match.objects.get(rule="reference_split")
    assert list(split.payment_links.values_list("payment_id", flat=True)) == [c.pk]
    assert sorted(split.line_links.values_list("line__amount", flat=True)) == [D("200.00"), D("300.00")]
    assert services.match_accept(matches=Match.objects.all(), acting_user=user) == (2, 0)
    month = services.period_create(account=account, start=day(1), end=day(30), acting_user=user)
    report = selectors.period_report(month)
    assert (report["unmatched_lines"], report["unmatched_payments"], report["difference"]) == (0, 0, 0)


def test_a_fee_kept_by_the_bank_is_booked_by_hand_as_a_fee(company, users):
    user = users["Contador"]
    account = account_for(company)
    p = pay(client(), user, "100.00", day(10), "")
    _import(account, csv_file([("2026-11-12", "97.50", "", "ABONO TARJETAS")]), user)
    line = BankLine.objects.get()
    with pytest.raises(ValidationError, match="diferencia de"):
        services.match_manual(account=account, lines=[line], payments=[p], adjustments=[], acting_user=user)
    match = services.match_manual(account=account, lines=[line], payments=[p], adjustments=[("fee", D("2.50"))],
                                  acting_user=user)
    assert match.state == "accepted"
    assert list(Adjustment.objects.values_list("kind", "amount")) == [("fee", D("2.50"))]
    report = selectors.period_report(Period(account=account, start=day(1), end=day(30)))
    # bank 97.50 = books 100.00 − fee 2.50
    assert (report["adjustments"], report["difference"]) == ({"fee": D("2.50")}, D("0.00"))


def test_undo_and_redo_are_audited_and_kept_in_history(company, users):
    user = users["Contador"]
    account = account_for(company)
    pay(client(), user, "110.00", day(2), "DEP-1001")
    _import(account, csv_file(ROWS[:1]), user)
    match = Match.objects.get()
    services.match_accept(matches=Match.objects.all(), acting_user=user)
    assert selectors.free_lines(account).count() == 0
    services.match_undo(match=match, acting_user=user, reason="era de otro cliente")
    match.refresh_from_db()
    assert match.state == "undone"
    assert (selectors.free_lines(account).count(), selectors.free_payments(account).count()) == (1, 1)
    services.match_redo(match=match, acting_user=user)
    assert Match.objects.get().state == "accepted" and selectors.free_lines(account).count() == 0
    moves = list(StateChange.objects.filter(model="reconciliation.match", object_id=str(match.pk))
                 .order_by("pk").values_list("from_state", "to_state", "reason"))
    assert moves == [("proposed", "accepted", ""), ("accepted", "undone", "era de otro cliente"),
                     ("undone", "accepted", "rehacer")]
    summaries = list(AuditEntry.objects.filter(object_id=str(match.pk), content_type__model="match")
                     .order_by("pk").values_list("summary", flat=True))
    assert summaries == ["Conciliación aceptada (reference, 100 %)", "Conciliación deshecha", "Conciliación rehecha"]


def test_a_closed_period_refuses_changes_until_reopened_with_a_reason(company, users):
    user = users["Contador"]
    account = account_for(company)
    pay(client(), user, "110.00", day(2), "DEP-1001")
    pay(client("Beta Comercial", "06140101900018"), user, "120.00", day(3), "DEP-1002")
    _import(account, csv_file(ROWS[:2]), user)
    first, second = Match.objects.order_by("pk")
    services.match_accept(matches=Match.objects.filter(pk=first.pk), acting_user=user)
    month = services.period_create(account=account, start=day(1), end=day(30), acting_user=user)
    services.period_close(period=month, acting_user=user)
    with pytest.raises(ValidationError, match="cerrado"):
        services.match_undo(match=first, acting_user=user)
    assert services.match_accept(matches=Match.objects.filter(pk=second.pk), acting_user=user) == (0, 1)
    line = BankLine.objects.get(reference="DEP-1002")
    with pytest.raises(ValidationError, match="cerrado"):
        services.match_manual(account=account, lines=[line], payments=[], adjustments=[("other", D("-120.00"))],
                              acting_user=user)
    assert services.match_propose(account=account, acting_user=user) == 0  # nothing in a closed period is proposed
    late = services.statement_review(account=account, acting_user=user, upload=csv_file(
        [("2026-12-01", "5.00", "", "INTERES"), ("2026-11-29", "7.00", "", "DEPOSITO TARDIO")]))
    assert (late.state, [e[:2] for e in late.errors]) == ("invalid", [[3, "fecha"]])
    with pytest.raises(ValidationError):
        services.period_reopen(period=month, acting_user=user, reason="")
    services.period_reopen(period=month, acting_user=user, reason="Falta un depósito")
    services.match_undo(match=first, acting_user=user)
    assert Match.objects.get(pk=first.pk).state == MatchState.UNDONE
    history = list(StateChange.objects.filter(model="reconciliation.period").order_by("pk")
                   .values_list("from_state", "to_state", "reason"))
    assert history == [("open", "closed", ""), ("closed", "open", "Falta un depósito")]


OFX = """OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20261130120000<LANGUAGE>SPA</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>CAGRSVSS<ACCTID>100-1<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20261101<DTEND>20261130
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261102<TRNAMT>110.00<FITID>A1<REFNUM>DEP-1001<NAME>DEPOSITO</STMTTRN>
<STMTTRN><TRNTYPE>SRVCHG<DTPOSTED>20261130<TRNAMT>-3.50<FITID>A2<NAME>COMISION</STMTTRN>
</BANKTRANLIST><LEDGERBAL><BALAMT>1106.50<DTASOF>20261130</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""

CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>1</MsgId></GrpHdr>
<Stmt><Id>S1</Id><Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="USD">2500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>
<Ntry><Amt Ccy="USD">110.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-02</Dt></BookgDt>
<AcctSvcrRef>B-1</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>DEP-1001</EndToEndId></Refs><RmtInf><Ustrd>ACME</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="USD">3.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-30</Dt></BookgDt>
<AcctSvcrRef>B-2</AcctSvcrRef><AddtlNtryInf>COMISION</AddtlNtryInf></Ntry>
<Ntry><Amt Ccy="USD">50.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>PDNG</Sts><BookgDt><Dt>2026-11-30</Dt></BookgDt></Ntry>
</Stmt></BkToCstmrStmt></Document>
"""


@pytest.mark.parametrize("name,body,balance", [("nov.ofx", OFX, D("1106.50")), ("nov.xml", CAMT, D("2500.00"))])
def test_ofx_and_camt_statements(company, users, name, body, balance):
    user = users["Contador"]
    account = account_for(company)
    p = pay(client(), user, "110.00", day(2), "DEP-1001")
    statement = _import(account, SimpleUploadedFile(name, body.encode()), user)
    assert (statement.state, statement.new, statement.closing_balance) == ("applied", 2, balance)
    assert sorted(BankLine.objects.values_list("date", "amount", "reference")) == [
        (day(2), D("110.00"), "DEP-1001"), (day(30), D("-3.50"), "")]
    assert set(Match.objects.values_list("rule", flat=True)) == {"reference", "fee"}
    assert Match.objects.get(rule="reference").payment_links.get().payment_id == p.pk
    again = services.statement_review(account=account, upload=SimpleUploadedFile(name, body.encode()), acting_user=user)
    assert (again.new, again.unchanged) == (0, 2)  # FITID / AcctSvcrRef: the bank's own ids


def test_camt_with_entities_is_refused(company, users):
    from bulk.reading import FileRejected

    bomb = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            "<Document><BkToCstmrStmt>&b;</BkToCstmrStmt></Document>")
    with pytest.raises(FileRejected):
        services.statement_review(account=account_for(company), upload=SimpleUploadedFile("x.xml", bomb.encode()),
                                  acting_user=users["Contador"])
    assert Statement.objects.count() == 0


def test_mapping_editor_refuses_an_unusable_mapping(company, users):
    account = account_for(company)
    with pytest.raises(ValidationError):
        services.mapping_save(account=account, mapping={"date": "Fecha", "reference": "Ref"}, acting_user=users["Contador"])
    services.mapping_save(account=account, mapping={"date": "Fecha", "amount": "Importe", "date_format": "%d/%m/%Y"},
                          acting_user=users["Contador"])
    account.refresh_from_db()
    assert account.mapping == {"date": "fecha", "amount": "importe", "date_format": "%d/%m/%Y", "decimal_comma": False}


def test_only_who_records_payments_reconciles(company, users):
    from django.core.exceptions import PermissionDenied

    for role in ("Auditor", "Supervisor", "Vendedor"):
        with pytest.raises(PermissionDenied):
            services.match_propose(account=account_for(company), acting_user=users[role])


def test_a_settlement_with_differences_reaches_the_difference_observers(company, users, heard):
    """payments tells its settlement observers after the import commits; reconciliation forwards
    the lines that are not matched: 1 missing and 1 different here, the matched one left out."""
    from payments import hooks as payment_hooks
    from payments.models import GatewayAccount, Settlement, SettlementLine

    gateway = GatewayAccount.objects.create(company=company, gateway="wompi", credentials="{}")
    settlement = Settlement.objects.create(account=gateway, gateway="wompi", batch_id="L-1", payout_date=day(5),
                                           period_start=day(1), period_end=day(4), gross=D("30.00"), fee=D("1.00"),
                                           net=D("29.00"), source="api", digest="x", content=b"{}",
                                           imported_by=users["Contador"])
    for position, status, gross, expected in ((1, "matched", "10.00", "10.00"), (2, "different", "20.00", "25.00")):
        SettlementLine.objects.create(settlement=settlement, position=position, status=status, kind="charge",
                                      gross=D(gross), expected=D(expected), reference=f"R-{position}")
    SettlementLine.objects.create(settlement=settlement, position=3, status="missing", in_report=False, kind="charge",
                                  expected=D("7.00"), reference="R-3")
    payment_hooks.settlement_imported(settlement)
    (period, found), = heard
    assert period is None
    assert [(f["kind"], f["reference"], f["book"], f["difference"]) for f in found] == [
        ("different", "R-2", D("25.00"), D("-5.00")), ("missing", "R-3", D("7.00"), None)]
