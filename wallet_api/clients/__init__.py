"""Reference clients of the agency API (the phone's client is ``mobile_stub``)."""
