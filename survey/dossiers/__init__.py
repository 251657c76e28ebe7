"""Dossiers (hồ sơ) from the one-stop information system: the population ratings come from.

- :mod:`survey.dossiers.models`: a dossier (its code kept only as the keyed hash that ratings
  use), and the integration keys of the systems that send dossiers;
- :mod:`survey.dossiers.imports`: the one import path, shared by the command line, the
  administration page and ``POST /api/v1/dossiers``: streamed, checked whole, written whole
  or not at all, idempotent by dossier code;
- :mod:`survey.dossiers.integrations`: creating and revoking integration keys;
- :mod:`survey.dossiers.cli`, :mod:`survey.dossiers.api`, :mod:`survey.dossiers.admin_page`:
  the three ways in.

The CSV format is documented in ``docs/DOSSIERS.md``.
"""
