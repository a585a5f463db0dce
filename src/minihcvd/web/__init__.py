"""The trial's web application (Django 5.2): sites, roles, registration, calendars, audit.

It sits on top of the core and calls the same ``clinical`` and ``calendar`` functions the CLI
uses; the core never imports it (``tests/test_layers.py``). One Django app per domain, as
clinicedc does: ``sites``, ``accounts``, ``patients``, ``treatment``, ``audit``. See docs/web.md.
"""
