"""foidesk: the Freedom of Information desk of a UK police force, from request to disclosure log."""

__version__ = "0.1.0"
