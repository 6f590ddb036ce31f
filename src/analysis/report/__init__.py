"""Reviewer-facing outputs: HTML export of executed notebooks (export), the index page (index), templates.

Importing this package is cheap; nbconvert and Jinja are imported only when a page is rendered.
"""
