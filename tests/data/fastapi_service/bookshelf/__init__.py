"""Bookshelf: a small lending-library API."""
