import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from bookshelf.main import app  # noqa: E402


def test_add_and_borrow_a_book():
    client = TestClient(app)
    created = client.post("/books", json={"title": "Dune", "author": "Herbert"})
    assert created.status_code == 201
    book_id = created.json()["id"]

    loan = client.post(f"/books/{book_id}/loans", params={"member": "ana"})
    assert loan.status_code == 201

    again = client.post(f"/books/{book_id}/loans", params={"member": "ben"})
    assert again.status_code == 409


def test_unknown_book_is_404():
    assert TestClient(app).get("/books/999").status_code == 404
