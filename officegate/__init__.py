"""OfficeGate: a reception desk that is only a QR code."""
__version__ = "0.1.0"
