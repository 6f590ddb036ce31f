"""Tests of the synthetic national dataset generator (issue 3)."""
