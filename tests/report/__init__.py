"""Acceptance tests of the reviewer reports (issue 6): executed notebooks, exported HTML, headless Chromium."""
