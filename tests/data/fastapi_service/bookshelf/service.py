"""Lending rules: limits per member, due dates, late fees."""

from __future__ import annotations

from datetime import date, timedelta

from bookshelf.models import Book, BookIn, Genre, Loan
from bookshelf.repository import Repository

LOAN_DAYS = 21
MAX_LOANS = 3
FEE_PER_DAY = 0.25
MAX_FEE = 10.0


class LendingError(Exception):
    """A request the lending rules refuse; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


class LibraryService:
    def __init__(self, repository: Repository, loan_days: int = LOAN_DAYS) -> None:
        self._repo = repository
        self._loan_days = loan_days

    def add_book(self, book: BookIn) -> Book:
        return self._repo.add(book)

    def find(self, book_id: int) -> Book:
        book = self._repo.get(book_id)
        if book is None:
            raise LendingError(f"no book {book_id}", status=404)
        return book

    def search(self, text: str = "", genre: Genre | None = None, available_only: bool = False) -> list[Book]:
        needle = text.lower().strip()
        found = []
        for book in self._repo.all():
            if needle and needle not in book.title.lower() and needle not in book.author.lower():
                continue
            if genre is not None and book.genre != genre:
                continue
            if available_only and book.available <= 0:
                continue
            found.append(book)
        return sorted(found, key=lambda b: (b.title.lower(), b.id))

    def borrow(self, book_id: int, member: str, today: date) -> Loan:
        book = self.find(book_id)
        if not member:
            raise LendingError("member is required", status=422)
        if len(self._repo.loans_for(member)) >= MAX_LOANS:
            raise LendingError(f"{member} already has {MAX_LOANS} books")
        if book.available <= 0:
            raise LendingError(f"'{book.title}' is not available")
        days = self._loan_days if book.genre != Genre.children else self._loan_days * 2
        loan = Loan(book_id=book.id, member=member, due=today + timedelta(days=days))
        book.on_loan += 1
        self._repo.save(book)
        self._repo.add_loan(loan)
        return loan

    def give_back(self, book_id: int, member: str, today: date) -> float:
        """Marks the member's loan of the book returned; returns the late fee."""
        for loan in self._repo.loans_for(member):
            if loan.book_id == book_id:
                loan.returned = True
                book = self.find(book_id)
                book.on_loan -= 1
                self._repo.save(book)
                return late_fee(loan.due, today)
        raise LendingError(f"{member} has not borrowed book {book_id}", status=404)


def late_fee(due: date, returned_on: date) -> float:
    late_days = (returned_on - due).days
    if late_days <= 0:
        return 0.0
    return min(MAX_FEE, round(late_days * FEE_PER_DAY, 2))
