"""A key thumbprint as words a person can compare between two screens.

Two devices show the same few words for the same key: the approving phone
shows them next to the new device's name, the new device shows them under its
pairing code. 64 bits of the thumbprint, two bytes a word, each byte one of 256
consonant-vowel syllables (no accents, so they read the same in Vietnamese and
English).
"""

from crypto._encoding import b64url_decode

__all__ = ["thumbprint_words"]

_ONSETS = ("b", "d", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "ch", "ng")
_RIMES = ("a", "e", "i", "o", "u", "y", "an", "em", "in", "on", "un", "ai", "ao", "oi", "ua", "ia")
_SYLLABLES = tuple(onset + rime for onset in _ONSETS for rime in _RIMES)
WORDS = 4


def thumbprint_words(jkt: str) -> str:
    """Four two-syllable words from the first 8 bytes of an RFC 7638 thumbprint (b64url)."""
    try:
        digest = b64url_decode(jkt)
    except ValueError:
        raise ValueError("not a base64url thumbprint") from None
    if len(digest) < 2 * WORDS:
        raise ValueError("thumbprint too short")
    return " ".join(_SYLLABLES[digest[2 * i]] + _SYLLABLES[digest[2 * i + 1]] for i in range(WORDS))
