"""Spring's argument binding as Kylin's controllers get it (docs/kylin-api.md §1.4): query parameters bound to
``String``, ``List<String>``, ``Integer`` and ``boolean``, JSON bodies read by Jackson, and the project a
request names (``ProjectInfoParser``), with the exact exceptions and texts each failure gives.
"""

import json
import re

from . import errors

JACKSON_SOURCE = "[Source: (org.springframework.util.StreamUtils$NonClosingInputStream); line: 1, column: %d]"


def _scalar(req, name):
    values = req.values(name)
    return ",".join(values) if values else None


def bind_str(req, name, default=None, required=False):
    value = _scalar(req, name)
    if value is None or (value == "" and default is not None):
        if required and value is None:
            raise errors.missing_param(name)
        return default
    return value


def bind_list(req, name, default_empty=True):
    """``List<String>``: one value is split on commas and trimmed, several values are taken as they are."""
    values = req.values(name)
    if not values:
        return [] if default_empty else None
    if len(values) == 1:
        return [v.strip() for v in values[0].split(",")] if values[0] != "" else []
    return values


def bind_int(req, name, default, required=False):
    value = _scalar(req, name)
    if value is None or value == "":
        if required and value is None:
            raise errors.missing_param(name, "Integer")
        return default
    text = re.sub(r"\s", "", value)
    if re.fullmatch(r"[+-]?\d+", text) and -2 ** 31 <= int(text) < 2 ** 31:
        return int(text)
    raise errors.type_mismatch("java.lang.Integer", 'java.lang.NumberFormatException: For input string: "%s"' % text)


def bind_bool(req, name, default):
    value = _scalar(req, name)
    if value is None or value.strip() == "":
        return default
    text = value.strip().lower()
    if text in ("true", "on", "yes", "1"):
        return True
    if text in ("false", "off", "no", "0"):
        return False
    raise errors.type_mismatch("boolean", "java.lang.IllegalArgumentException: Invalid boolean value '%s'" % value)


def _jackson_message(exc, doc):
    pos = getattr(exc, "pos", 0) or 0
    column = pos + 1
    if pos >= len(doc):
        return "Unexpected end-of-input: expected close marker for Object\n at " + JACKSON_SOURCE % column
    char = doc[pos]
    return ("Unexpected character ('%s' (code %d)): %s\n at " % (char, ord(char), exc.msg[0].lower() + exc.msg[1:])
            + JACKSON_SOURCE % column)


def _mismatch(java_type, token, field, request_class):
    return errors.unknown("com.fasterxml.jackson.databind.exc.MismatchedInputException",
                          "Cannot deserialize value of type `%s` from %s\n at %s (through reference chain: %s[\"%s\"])"
                          % (java_type, token, JACKSON_SOURCE % 1, request_class, field), where="body")


def _token(value):
    if isinstance(value, dict):
        return "Object value (token `JsonToken.START_OBJECT`)"
    if isinstance(value, list):
        return "Array value (token `JsonToken.START_ARRAY`)"
    return "String value (token `JsonToken.VALUE_STRING`)"


def _as_string(value, field, request_class):
    """Jackson's String coercion: scalars become their text, structures fail."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    raise _mismatch("java.lang.String", _token(value), field, request_class)


def read_body(req, fields, request_class, handler):
    """``@RequestBody`` with Jackson (unknown fields ignored, trailing content ignored)."""
    ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if not req.body.strip():
        raise errors.unknown("org.springframework.http.converter.HttpMessageNotReadableException",
                             "Required request body is missing: " + handler, where="body")
    if ctype and ctype != "application/json" and not ctype.endswith("+json"):
        raise errors.unknown("org.springframework.web.HttpMediaTypeNotSupportedException",
                             "Content type '%s' not supported" % req.headers.get("Content-Type"), where="body")
    if not ctype:
        raise errors.unknown("org.springframework.web.HttpMediaTypeNotSupportedException",
                             "Content type 'application/octet-stream' not supported", where="body")
    try:
        doc = req.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise errors.json_parse("Invalid UTF-8 start byte 0x%02x\n at %s" % (req.body[exc.start], JACKSON_SOURCE % (exc.start + 1)))
    stripped = doc.lstrip()
    offset = len(doc) - len(stripped)

    def reject(name):
        raise ValueError("Non-standard token '%s'" % name)

    try:
        data, dummy = json.JSONDecoder(parse_constant=reject).raw_decode(stripped)
    except json.JSONDecodeError as exc:
        exc.pos += offset
        raise errors.json_parse(_jackson_message(exc, doc)) from None
    except ValueError as exc:
        raise errors.json_parse("%s: Non-standard token not allowed\n at %s" % (exc, JACKSON_SOURCE % 1)) from None
    if data is None:
        raise errors.unknown("org.springframework.http.converter.HttpMessageNotReadableException",
                             "Required request body is missing: " + handler, where="body")
    if not isinstance(data, dict):
        raise errors.unknown("com.fasterxml.jackson.databind.exc.MismatchedInputException",
                             "Cannot construct instance of `%s` (although at least one Creator exists): no %s-argument "
                             "constructor/factory method to deserialize from %s" % (
                                 request_class, "String" if isinstance(data, str) else "int/Int", _token(data)), where="body")
    out = {}
    for name, kind in fields.items():
        value = data.get(name)
        if kind == "str":
            out[name] = _as_string(value, name, request_class)
        elif kind == "list":
            if value is None:
                out[name] = None
            elif not isinstance(value, list):
                raise _mismatch("java.util.ArrayList<java.lang.String>", _token(value), name, request_class)
            else:
                out[name] = [_as_string(v, name, request_class) for v in value]
        else:  # map of strings
            if value is None:
                out[name] = None
            elif not isinstance(value, dict):
                raise _mismatch("java.util.LinkedHashMap<java.lang.String,java.lang.String>", _token(value), name,
                                request_class)
            else:
                out[name] = {str(k): _as_string(v, name, request_class) for k, v in value.items()}
    return out


def project_from_request(req):
    """``ProjectInfoParser``: ``project`` from the query string, else from a JSON body; absent -> None."""
    value = _scalar(req, "project")
    if value:
        return value
    try:
        data = json.loads(req.body.decode("utf-8")) if req.body.strip() else None
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("project"), (str, int, float)) and data.get("project") != "":
        return str(data["project"])
    return None


def java_split(text):
    """``String.split("\\\\_")``: trailing empty strings are removed."""
    parts = text.split("_")
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return parts
