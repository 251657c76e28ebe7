"""The application for gunicorn: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Commands leave the views, PDF, spreadsheet and statistics libraries to first use (they start
faster); a server registers and imports them here, before gunicorn forks its workers
(``preload_app``).
"""

from survey import create_app, preload_request_modules

app = create_app()
app.load_views()
preload_request_modules()
