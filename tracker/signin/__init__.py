"""Signing in: lockout after repeated failures (django-axes), sign-out after inactivity, a second factor
(TOTP, django-otp) that administrators must use and others may, and optional university single sign-on (CAS).

An app of its own (label `signin`, no models) so that its receiver is connected before any sign-in, including
the test client's `force_login`.
"""
