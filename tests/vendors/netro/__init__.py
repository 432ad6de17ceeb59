"""Tests of vendors/netro."""
