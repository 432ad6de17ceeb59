"""Tests of vendors/onenata."""
