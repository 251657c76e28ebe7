"""The organisation: agencies (a dated tree), service points (desks), officials, procedures."""
