"""Questionnaire definitions: versioned JSON data, validation and accessors."""
