"""The application with one extra bare route, for the same-run baseline of bench/submit.py."""

from survey import create_app

app = create_app()


@app.get("/bench/hello")
def hello():
    return "hello world"
