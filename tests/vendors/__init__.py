"""Tests of the vendor layer (no Home Assistant needed)."""
