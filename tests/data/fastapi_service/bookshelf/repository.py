"""Storage for books and loans. Production uses a database; tests and demos use memory."""

from __future__ import annotations

from typing import Protocol

from bookshelf.models import Book, BookIn, Loan


class Repository(Protocol):
    def get(self, book_id: int) -> Book | None: ...
    def add(self, book: BookIn) -> Book: ...
    def save(self, book: Book) -> None: ...
    def all(self) -> list[Book]: ...
    def loans_for(self, member: str) -> list[Loan]: ...
    def add_loan(self, loan: Loan) -> None: ...


class InMemoryRepository:
    def __init__(self) -> None:
        self._books: dict[int, Book] = {}
        self._loans: list[Loan] = []
        self._next_id = 1

    def get(self, book_id: int) -> Book | None:
        return self._books.get(book_id)

    def add(self, book: BookIn) -> Book:
        stored = Book(id=self._next_id, **book.model_dump())
        self._books[stored.id] = stored
        self._next_id += 1
        return stored

    def save(self, book: Book) -> None:
        self._books[book.id] = book

    def all(self) -> list[Book]:
        return list(self._books.values())

    def loans_for(self, member: str) -> list[Loan]:
        return [loan for loan in self._loans if loan.member == member and not loan.returned]

    def add_loan(self, loan: Loan) -> None:
        self._loans.append(loan)
