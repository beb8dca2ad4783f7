"""The demo portfolio that `manage.py seed_demo` builds: fixed data tables and a seeded builder."""
