"""Headers on every response, CSRF protection, rate limits and the reverse proxy
(QUALITY.md: Security)."""

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

#: Rate limits; storage from RATELIMIT_STORAGE_URI ("memory://" for one process,
#: "redis://…" when several processes or hosts share the limits). Routes declare their own
#: limits with keys that fit them (per kiosk device, per QR code and client), not only per IP:
#: every kiosk of a service centre shares one address.
limiter = Limiter(key_func=get_remote_address)

#: Every form that changes something carries a token; ``csrf.exempt`` marks the few routes
#: that check their own (the phone form) or take JSON from registered devices (the kiosk API).
csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    limiter.init_app(app)
    if app.config["PROXY_COUNT"]:
        # Behind N reverse proxies, trust their X-Forwarded-* headers (client address, HTTPS).
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask documents this wrapping
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if current_user.is_authenticated:
            # Officer pages and exports hold personal data: no browser or proxy keeps a copy
            # (a shared office computer's Back button, a caching proxy).
            headers["Cache-Control"] = "no-store"
        return response
