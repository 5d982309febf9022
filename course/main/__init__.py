"""Site-wide pages."""
