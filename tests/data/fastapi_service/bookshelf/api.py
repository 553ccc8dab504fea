"""HTTP routes."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Query

from bookshelf.models import Book, BookIn, Genre, Loan
from bookshelf.repository import InMemoryRepository
from bookshelf.service import LendingError, LibraryService

router = APIRouter(prefix="/books", tags=["books"])

_repository = InMemoryRepository()


def get_service() -> LibraryService:
    return LibraryService(_repository)


def _http(error: LendingError) -> HTTPException:
    return HTTPException(status_code=error.status, detail=str(error))


@router.post("", response_model=Book, status_code=201)
def create_book(book: BookIn, service: LibraryService = Depends(get_service)) -> Book:
    return service.add_book(book)


@router.get("", response_model=list[Book])
def list_books(
    q: str = "",
    genre: Genre | None = None,
    available: bool = Query(False),
    service: LibraryService = Depends(get_service),
) -> list[Book]:
    return service.search(q, genre, available)


@router.get("/{book_id}", response_model=Book)
def get_book(book_id: int, service: LibraryService = Depends(get_service)) -> Book:
    try:
        return service.find(book_id)
    except LendingError as error:
        raise _http(error) from error


@router.post("/{book_id}/loans", response_model=Loan, status_code=201)
def borrow_book(book_id: int, member: str, service: LibraryService = Depends(get_service)) -> Loan:
    try:
        return service.borrow(book_id, member, date.today())
    except LendingError as error:
        raise _http(error) from error


@router.delete("/{book_id}/loans/{member}")
def return_book(book_id: int, member: str, service: LibraryService = Depends(get_service)) -> dict[str, float]:
    try:
        fee = service.give_back(book_id, member, date.today())
    except LendingError as error:
        raise _http(error) from error
    return {"late_fee": fee}
