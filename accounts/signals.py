"""Events other layers listen to (the access log in compliance/audit.py), sent by accounts' services."""

from django.dispatch import Signal

# A password-set link was e-mailed to `user`.
password_link_sent = Signal()

# Two-step sign-in (accounts/signin/services.py). `user` is who signs in (or whose factor was reset);
# `method` is "totp" or "recovery_code"; `reason` says why a code was refused.
second_factor_verified = Signal()
second_factor_refused = Signal()
second_factor_enrolled = Signal()
# A compliance officer (`actor`) removed `user`'s devices: they enrol again at their next sign-in.
second_factor_reset = Signal()
# Sign-in events (accounts/signin/), logged by compliance/signin_log.py:
# a "Forgot your password?" link was e-mailed to `user`;
password_reset_link_sent = Signal()
# `user` chose a new password: `how` is "change" (signed in), "reset" (a forgotten one, from a
# link) or "set" (the first one, from an administrator's link);
password_chosen = Signal()
# `user` signed out everywhere: every one of their sessions ended.
sessions_ended = Signal()
