"""The counter verifier: its page, service-issued nonces and the online check."""
