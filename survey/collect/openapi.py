"""The OpenAPI 3.1 description of the kiosk API, served at ``/api/v1/openapi.json``.

Written by hand, and the source of truth: the API validates every request body against
``SUBMISSION_SCHEMA`` below (through ``jsonschema``), so the document cannot drift from
what the server accepts. The tests check real requests and answers against it.
"""

from __future__ import annotations

from typing import Any

from survey.languages import LANGUAGES

#: Answers accepted in one submission (the quick rating has seven items, SIPAS about thirty).
MAX_ANSWERS = 60
#: Longest accepted text answer before cleaning; the questionnaire sets the real limit.
MAX_ANSWER_LENGTH = 4000
#: Optional request header: ratings still queued on the kiosk besides this one.
UNSENT_HEADER = "X-Kiosk-Unsent"
MAX_UNSENT = 1_000_000

UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
TIMESTAMP_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})$"
)
DOSSIER_PATTERN = "^[0-9A-Za-z][0-9A-Za-z ./_-]{0,59}$"

SUBMISSION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "One citizen's rating, as queued and sent by a kiosk.",
    "additionalProperties": False,
    "required": ["uuid", "questionnaire", "version", "answers", "language", "submitted_at"],
    "properties": {
        "uuid": {
            "type": "string",
            "format": "uuid",
            "pattern": UUID_PATTERN,
            "description": "Made by the kiosk before the first attempt; the same for every"
            " retry, so a rating is stored once however often it is sent.",
        },
        "questionnaire": {
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9-]{0,63}$",
            "description": "Key of the questionnaire, e.g. onestop-quick.",
            "examples": ["onestop-quick"],
        },
        "version": {
            "type": "integer",
            "minimum": 1,
            "maximum": 1000000,
            "description": "The published version that was answered.",
        },
        "answers": {
            "type": "object",
            "description": 'Item key → the code of the chosen level (integer), "na" for'
            " not applicable, or a text answer. Items left out were not answered.",
            "minProperties": 1,
            "maxProperties": MAX_ANSWERS,
            "propertyNames": {"maxLength": 64},
            "additionalProperties": {
                "anyOf": [
                    {"type": "integer"},
                    {"type": "string", "maxLength": MAX_ANSWER_LENGTH},
                    {"type": "null"},
                ]
            },
        },
        "official_code": {
            "type": ["string", "null"],
            "pattern": "^[0-9A-Za-z]{1,32}$",
            "description": 'Public code of the official chosen at "who served you?".',
        },
        "dossier_code": {
            "type": ["string", "null"],
            "pattern": DOSSIER_PATTERN,
            "description": "Dossier code (mã hồ sơ) from the receipt, if given.",
        },
        "language": {"type": "string", "enum": list(LANGUAGES)},
        "submitted_at": {
            "type": "string",
            "format": "date-time",
            "pattern": TIMESTAMP_PATTERN,
            "description": "When the citizen finished, by the kiosk's clock, with its UTC"
            " offset. Not earlier than the kiosk's registration, not later than an hour ahead.",
            "examples": ["2026-11-26T09:15:00.000Z"],
        },
    },
}

#: Most dossiers in one batch of ``POST /dossiers``.
MAX_DOSSIERS_PER_BATCH = 1000
_DOSSIER_TEXT = {"type": ["string", "null"], "maxLength": 60}
_DOSSIER_TIME = {
    "type": ["string", "null"],
    "maxLength": 40,
    "description": "A date (2025-07-01 or 01/07/2025) or ISO date-time; Vietnam's time"
    " without an offset.",
}
_DOSSIER_COUNT = {"type": ["integer", "string", "null"], "minimum": 0, "maximum": 100}

DOSSIER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "One dossier of the one-stop system, with the columns of the CSV file"
    " (docs/DOSSIERS.md). Fields with personal data are refused.",
    "additionalProperties": False,
    "required": ["dossier_code", "agency_code", "received_at", "due_at"],
    "properties": {
        "dossier_code": {**_DOSSIER_TEXT, "description": "Mã hồ sơ; stored only hashed."},
        "agency_code": {**_DOSSIER_TEXT, "description": "Code of the agency that handled it."},
        "service_point_code": {**_DOSSIER_TEXT, "description": "The desk's public code."},
        "official_code": {**_DOSSIER_TEXT, "description": "The official's public code."},
        "procedure_code": {**_DOSSIER_TEXT, "description": "The procedure's code."},
        "channel": {"enum": ["direct", "online", "postal", "", None]},
        "received_at": _DOSSIER_TIME,
        "due_at": {**_DOSSIER_TIME, "description": "The promised return (a date: its end)."},
        "returned_at": {**_DOSSIER_TIME, "description": "Empty while still being handled."},
        "extra_visits": _DOSSIER_COUNT,
        "agencies_contacted": _DOSSIER_COUNT,
        "complaint": {"enum": ["none", "harassment", "other", "", None]},
        "one_stop_desk": {
            "enum": ["both", "partly", "neither", "", None],
            "description": "Received and returned through the one-stop desk: both, one of"
            " the two, neither (Circular 01/2018 index 5).",
        },
        "procedure_published": {
            "enum": ["full", "partial", "none", "", None],
            "description": "The procedure's publication: in full as the rules say, in part,"
            " not at all (index 6).",
        },
        "feedback_handling": {
            "enum": ["none", "early", "on_time", "late", "", None],
            "description": "Feedback on the dossier: none, answered before, on or after its"
            " deadline (index 8).",
        },
        "online_service": {
            "enum": ["full", "partial", "none", "", None],
            "description": "The procedure's online public service: whole procedure, a part,"
            " none (index 9).",
        },
    },
}

DOSSIER_BATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["dossiers"],
    "properties": {
        "dossiers": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_DOSSIERS_PER_BATCH,
            "items": {"$ref": "#/components/schemas/Dossier"},
        }
    },
}

DOSSIER_RESULT_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["status", "received", "created", "updated", "unchanged"],
    "properties": {
        "status": {"const": "imported"},
        "received": {"type": "integer"},
        "created": {"type": "integer"},
        "updated": {"type": "integer"},
        "unchanged": {"type": "integer"},
    },
}

DOSSIER_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["error", "message", "errors"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Each problem: the dossier's place in the batch (from 1) and field.",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["item", "field", "message"],
                "properties": {
                    "item": {"type": "integer"},
                    "field": {"type": ["string", "null"]},
                    "message": {"type": "string"},
                },
            },
        },
    },
}

ACCEPTED_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["uuid", "status"],
    "properties": {
        "uuid": {"type": "string", "pattern": UUID_PATTERN},
        "status": {"type": "string", "enum": ["created", "already_received"]},
        "receipt": {
            "type": ["string", "null"],
            "description": "The receipt code of the feedback case the rating opened (the "
            "citizen follows it at /feedback/<receipt>); null when it opened none, and on a "
            "repeat.",
        },
    },
}

ERROR_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "A stable code, for programs."},
        "message": {
            "type": "string",
            "description": "For people, in the language of Accept-Language or ?lang=.",
        },
        "fields": {
            "type": "object",
            "description": "Problems by field (answers.<item> for an answer).",
            "additionalProperties": {"type": "string"},
        },
    },
}


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _accepted(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}},
    }


OPENAPI_DOCUMENT = {
    "openapi": "3.1.0",
    "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
    "info": {
        "title": "Hài Lòng kiosk API",
        "version": "1.0.0",
        "description": "How a paired kiosk tablet sends citizens' ratings. A kiosk queues"
        " each rating with its own uuid before sending and retries until it gets 200 or"
        " 201; any other 4xx means the rating will never be accepted as it is.",
    },
    "servers": [{"url": "/api/v1"}],
    "paths": {
        "/responses": {
            "post": {
                "operationId": "submitResponse",
                "summary": "Store one rating, exactly once per uuid.",
                "security": [{"deviceCookie": []}, {"deviceBearer": []}],
                "parameters": [
                    {
                        "name": "lang",
                        "in": "query",
                        "required": False,
                        "description": "Language of error messages (else Accept-Language).",
                        "schema": {"type": "string", "enum": list(LANGUAGES)},
                    },
                    {
                        "name": UNSENT_HEADER,
                        "in": "header",
                        "required": False,
                        "description": "How many other ratings are still queued on the kiosk"
                        " (shown to administrators beside the kiosk's last contact).",
                        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_UNSENT},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Submission"}}
                    },
                },
                "responses": {
                    "201": _accepted("Stored."),
                    "200": _accepted("This uuid was already stored with the same content."),
                    "400": _error("Not JSON, not UTF-8, repeated keys, or not an object."),
                    "401": _error("No device credential, an unknown one, or a revoked device."),
                    "409": _error("This uuid was already stored with different content."),
                    "413": _error("The body is too large."),
                    "415": _error("The body is not sent as application/json."),
                    "422": _error(
                        "Valid JSON that cannot be accepted: unknown or missing fields,"
                        " answers that are not levels of the questionnaire, an unknown"
                        " official, a closed questionnaire, an absurd time, a desk no"
                        " longer in service, or a dossier already rated."
                    ),
                    "429": _error("Too many submissions from this device; retry later."),
                    "503": _error(
                        "The database cannot be reached for a moment (error `unavailable`):"
                        " nothing was stored; keep the rating and send it again after"
                        " Retry-After seconds."
                    ),
                },
            }
        },
        "/dossiers": {
            "post": {
                "operationId": "importDossiers",
                "summary": "Add or update up to 1,000 dossiers of the one-stop system.",
                "description": "All or nothing: one wrong dossier and none is written."
                " Idempotent by dossier code: sending a dossier again updates it (a return"
                " date filled in) and never duplicates it.",
                "security": [{"integrationBearer": []}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/DossierBatch"}
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "Written.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/DossierResult"}
                            }
                        },
                    },
                    "400": _error("Not JSON, not UTF-8, repeated keys, or not an object."),
                    "401": _error("No integration key, an unknown one, or a revoked one."),
                    "413": _error("The body is too large."),
                    "415": _error("The body is not sent as application/json."),
                    "422": {
                        "description": "Nothing was written: the problems by dossier and"
                        " field (unknown or personal-data fields, bad dates, unknown codes,"
                        " a return before receipt, a code repeated within the batch).",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/DossierErrors"}
                            }
                        },
                    },
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapiDocument",
                "summary": "This document.",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The OpenAPI document.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Submission": SUBMISSION_SCHEMA,
            "Accepted": ACCEPTED_SCHEMA,
            "Error": ERROR_SCHEMA,
            "Dossier": DOSSIER_SCHEMA,
            "DossierBatch": DOSSIER_BATCH_SCHEMA,
            "DossierResult": DOSSIER_RESULT_SCHEMA,
            "DossierErrors": DOSSIER_ERRORS_SCHEMA,
        },
        "securitySchemes": {
            "deviceCookie": {
                "type": "apiKey",
                "in": "cookie",
                "name": "kiosk_device",
                "description": "Set when the tablet is paired (HttpOnly, SameSite=Strict).",
            },
            "integrationBearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "An integration key (flask --app survey create-integration).",
            },
            "deviceBearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "The same device credential, for clients without the cookie.",
            },
        },
    },
}
