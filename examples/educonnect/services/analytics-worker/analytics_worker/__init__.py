"""Consumes activity events and produces daily engagement rollups."""
