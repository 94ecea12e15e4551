"""ABM workspace: accounts, the people in them, every touch, and why an account is healthy."""

__version__ = "0.1.0"
