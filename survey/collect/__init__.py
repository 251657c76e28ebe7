"""What citizens touch: QR entry, the phone form, the kiosk and the submission API."""
