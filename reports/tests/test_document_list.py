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
