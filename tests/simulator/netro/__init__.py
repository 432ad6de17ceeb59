"""Tests of simulator/netro."""
