"""QR payload encoding, rendering and offline verification."""
