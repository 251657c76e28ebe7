"""The base of every form on the site.

Every form here is an HTML form, filled from the request's form fields. Flask-WTF would also
fill a form from a JSON body when a request has no form fields; a JSON body that is not an
object (``0``, ``[1, 2]``) or is nested past Python's recursion limit then fails inside
Flask-WTF with a server error instead of the form's own "please check" answer. So a JSON body
counts here as no fields at all, and the form answers as for an empty post.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto  # Flask-WTF's "take the data from the request" marker


class Form(FlaskForm):
    """A Flask-WTF form that reads the request's form fields and files, never a JSON body."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is _Auto and form.is_submitted() and request.is_json:
                formdata = request.form  # empty: the body was JSON, not form fields
            return super().wrap_formdata(form, formdata)
