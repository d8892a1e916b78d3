"""The documents list pages by keyset (newest first) and counts from the status totals."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_document_list_pages_by_keyset(book, users, client_as, monkeypatch):
    monkeypatch.setattr("dte.views.LIST_PAGE", 4)
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
