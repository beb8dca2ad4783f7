"""Events other layers listen to (the access log in compliance/audit.py), sent by accounts' services."""

from django.dispatch import Signal

# A password-set link was e-mailed to `user`.
password_link_sent = Signal()
