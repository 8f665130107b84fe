"""Abuse limits on the endpoints an attacker can call cheaply: enrolment, login, identity-QR batches
and device pairing. Counted in the database, so every worker and node shares one count."""
