"""Request and response bodies."""

from __future__ import annotations

from datetime import date
from enum import Enum

from pydantic import BaseModel, Field, field_validator


class Genre(str, Enum):
    fiction = "fiction"
    science = "science"
    history = "history"
    children = "children"


class BookIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    author: str
    genre: Genre = Genre.fiction
    copies: int = Field(default=1, ge=0)

    @field_validator("author")
    @classmethod
    def author_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("author must not be blank")
        return value.strip()


class Book(BookIn):
    id: int
    on_loan: int = 0

    @property
    def available(self) -> int:
        return self.copies - self.on_loan


class Loan(BaseModel):
    book_id: int
    member: str
    due: date
    returned: bool = False
