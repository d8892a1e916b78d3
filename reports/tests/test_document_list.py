"""The documents list pages by keyset (newest first) and counts from the status totals."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_document_list_pages_by_keyset(book, users, client_as, monkeypatch):
    monkeypatch.setattr("dte.listing.LIST_PAGE", 4)
    browser = client_as(users["Contador"])
    seen = []
    url = "/documentos/"
    pages = 0
    while url:
        page = browser.get(url).content.decode()
        seen += [int(pk) for pk in re.findall(r'<tr data-doc="(\d+)"', page)]
        assert 'id="shown-count">9 documentos<' in page
        following = re.search(r'id="next-page" href="\?([^"]*)"', page)
        url = "/documentos/?" + following.group(1).replace("&amp;", "&") if following else None
        pages += 1
    # 9 documents, newest first, each exactly once, in pages of 4 + 4 + 1
    assert pages == 3 and seen == sorted((d.pk for d in book.values()), reverse=True)
    page = browser.get("/documentos/?estado=invalidated").content.decode()
    assert 'id="shown-count">1 documento<' in page and f'data-doc="{book[8].pk}"' in page
    # a tampered cursor is ignored: the first page
    page = browser.get("/documentos/?antes=nonsense").content.decode()
    assert re.findall(r'<tr data-doc="(\d+)"', page)[0] == str(book[9].pk)


def test_the_search_box_finds_by_number_code_correlative_and_party(book, users, client_as):
    browser = client_as(users["Contador"])

    def found(q):
        from urllib.parse import urlencode

        page = browser.get(f"/documentos/?{urlencode({'q': q})}").content.decode()
        return sorted(int(pk) for pk in re.findall(r'<tr data-doc="(\d+)"', page))

    ids = {n: d.pk for n, d in book.items()}
    assert found("lópez") == sorted(ids[n] for n in (1, 2, 6, 8))  # the client's name, any case and part
    assert found("00016297-5") == found("000162975") == sorted(ids[n] for n in (1, 2, 6, 8))  # its DUI
    assert found("Repuestos del") == [ids[9]]  # the provider of the retention
    assert found("DTE-03-S001") == [ids[7]]  # a número de control by its start
    assert found("2") == [ids[2]]  # the correlative at the end of DTE-01-M001P001-000000000000002
    assert found(book[5].codigo_generacion[:8].lower()) == [ids[5]]
    assert found("nadie") == []


def test_the_search_box_finds_parties_named_in_any_script_or_with_emoji(book, parties, users, client_as):
    from clients.rules import search_text

    for key, name in (("consumer", "شركة النور"), ("taxpayer", "Café ☕ Luna")):
        party = parties[key]
        party.name = name
        party.search_text = search_text(party.name, party.id_number, party.id_number.replace("-", ""), party.nrc)
        party.save(update_fields=["name", "search_text"])
    browser = client_as(users["Contador"])

    def found(q):
        from urllib.parse import urlencode

        page = browser.get(f"/documentos/?{urlencode({'q': q})}").content.decode()
        return sorted(int(pk) for pk in re.findall(r'<tr data-doc="(\d+)"', page))

    ids = {n: d.pk for n, d in book.items()}
    assert found("النور") == sorted(ids[n] for n in (1, 2, 6, 8))
    assert found("fé ☕") == found("CAFÉ ☕ LU") == sorted(ids[n] for n in (3, 4, 7))
    assert found("\u200b\u200b\u200b") == found("\u0301\u0301\u0301") == []  # nothing to search for: nothing


def test_the_lists_own_refreshes_reuse_the_counts(book, users, client_as):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    browser = client_as(users["Contador"])
    refresh = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "document-rows"}

    def counted(**headers):
        with CaptureQueriesContext(connection) as ctx:
            page = browser.get("/documentos/?tipo=01", **headers).content.decode()
        return sum('COUNT(*) AS "n"' in q["sql"] for q in ctx.captured_queries), page

    assert counted()[0] == 1  # a page load always counts
    n, page = counted(**refresh)
    assert n == 1 and 'id="shown-count">4 documentos<' in page  # the first refresh counts
    n, page = counted(**refresh)
    assert n == 0 and 'id="shown-count">4 documentos<' in page  # the next ones reuse it for a while


def test_a_search_counts_each_document_once_whichever_conditions_it_meets(book, users, client_as):
    """A number is read as a correlative and as part of a client's DUI: a document that is both is
    counted once, one that is only the correlative is counted too."""
    from dte.models import Document

    Document.objects.filter(pk__in=[book[1].pk, book[3].pk]).update(correlative=16297)
    page = client_as(users["Contador"]).get("/documentos/?q=16297").content.decode()
    # the consumer (DUI 00016297-5): 1, 2, 6 and 8 (invalidated); correlative 16297: 1 again and 3
    assert sorted(int(pk) for pk in re.findall(r'<tr data-doc="(\d+)"', page)) == sorted(
        book[n].pk for n in (1, 2, 3, 6, 8))
    assert 'id="shown-count">5 documentos<' in page
    assert re.search(r'Todos <span class="badge text-bg-light">5</span>', page)
    assert re.search(r'data-status="sealed"[^>]*>[^<]*<span class="badge text-bg-light">4</span>', page)
    assert re.search(r'data-status="invalidated"[^>]*>[^<]*<span class="badge text-bg-light">1</span>', page)


@pytest.mark.parametrize("role", ["Contador", "Vendedor"])
def test_a_search_by_client_is_counted_from_the_client_index_alone(book, users, client_as, establishments, role):
    """The status counts of a client-name search read only columns the document_by_client index
    holds, under every filter the list offers, for a company-wide role and for a sales rep (scoped
    to his establishments and his documents): PostgreSQL then counts from the index alone
    (index-only scan) instead of reading each matching document's page, which is what keeps the
    search under bench/reports.py's target at a million documents. (A test table of a few rows
    cannot show the plan itself: any plan is cheapest there.)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dte.models import Document

    filters = {"q": "lópez", "tipo": "01", "interno": "to_review", "desde": "2026-10-01", "hasta": "2026-10-31",
               "establecimiento": establishments["main"].pk, "punto": establishments["pos"]["M001P001"].pk,
               "vendedor": users["Vendedor"].pk, "min": "1", "max": "1000"}
    with CaptureQueriesContext(connection) as ctx:
        page = client_as(users[role]).get("/documentos/", filters).content.decode()
    assert 'id="shown-count">3 documentos<' in page  # 1, 2 and 8 (M001P001, by the rep, October)
    [count] = [q["sql"] for q in ctx.captured_queries if 'COUNT(*) AS "n"' in q["sql"] and '"client_id" IN' in q["sql"]]
    # few matches: the page is read by ids, and the client's are taken from the same index
    [ids] = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "dte_document"."id" AS "pk"')
             and '"client_id" IN' in q["sql"]]
    [index] = [i for i in Document._meta.indexes if i.name == "document_by_client"]
    held = {Document._meta.get_field(name).column for name in (*index.fields, *index.include)}
    for sql in (count, ids):
        read = set(re.findall(r'"dte_document"\."(\w+)"', sql))
        assert read - held == set(), sql
        assert ' FROM "dte_document" WHERE' in sql  # no join (the rep's scope is a subquery)
        assert "ORDER BY" not in sql


@pytest.mark.parametrize("few", [5000, 0])
def test_a_search_pages_newest_first_whether_its_matches_are_few_or_many(book, users, client_as, monkeypatch, few):
    """Few matches: the page is read by their ids; many: through the dates. The same pages."""
    monkeypatch.setattr("dte.listing.LIST_PAGE", 3)
    monkeypatch.setattr("dte.listing.SEARCH_IDS_UP_TO", few)
    browser = client_as(users["Contador"])
    seen, url = [], "/documentos/?q=l%C3%B3pez"
    while url:
        page = browser.get(url).content.decode()
        seen.append([int(pk) for pk in re.findall(r'<tr data-doc="(\d+)"', page)])
        assert 'id="shown-count">4 documentos<' in page
        following = re.search(r'id="next-page" href="\?([^"]*)"', page)
        url = "/documentos/?" + following.group(1).replace("&amp;", "&") if following else None
    # the consumer's 1, 2, 6 and 8, newest first (8 on the 6th, 6 on the 5th, 2 and 1 on the 3rd)
    assert seen == [[book[8].pk, book[6].pk, book[2].pk], [book[1].pk]]
    page = browser.get("/documentos/?q=l%C3%B3pez&estado=invalidated").content.decode()
    assert re.findall(r'<tr data-doc="(\d+)"', page) == [str(book[8].pk)]
    assert browser.get("/documentos/?q=l%C3%B3pez&tipo=03").content.decode().count("<tr data-doc=") == 0
