"""Erasure that is final (``docs/erasure.md``): key epochs, erasure receipts, pending erasures.

* ``wrapping``: a document's data key under its citizen's key AND an outer master-key layer,
  so destroying a master-key version makes a deleted document's copies unopenable too.
* ``epochs``: re-wrap every live master-wrapped value under the newest version, record when an
  old version was drained, destroy it after the retention window, estimate when an erasure is final.
* ``receipts``: the signed erasure receipt a citizen keeps.
"""
