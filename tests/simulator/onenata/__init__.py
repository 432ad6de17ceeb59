"""Tests of simulator/onenata."""
