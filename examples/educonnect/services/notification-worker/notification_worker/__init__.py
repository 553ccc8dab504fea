"""Delivers queued notifications by email and push, with retries."""
