"""Values between the host and Python.

Host to Python (arguments, db.execute rows, SQL function arguments): JSON where a few values are tagged objects
``{"$mxcp": "date"|"time"|"datetime"|"decimal"|"bytes"|"timedelta"|"dict"|"map", "v": ...}``; decoding gives date,
time, datetime, Decimal, bytes, timedelta (``v`` in microseconds), plain dicts (for a dict that itself has a ``$mxcp``
key) and dicts with keys of any type (``map``: ``v`` is a list of ``[key, value]`` pairs).

Python to host: results are plain JSON (date/time/datetime as ISO 8601 strings, a naive datetime as UTC with "Z",
Decimal as an exact JSON number, bytes as base64, timedelta as an ISO 8601 duration, sets and tuples as lists, pandas
DataFrames as records, NaN and NaT as null). db.execute parameters are tagged like the arguments, so that SQL receives typed values.
"""

import base64
import dataclasses
import datetime as _dt
import decimal
import enum
import json
import math
import uuid

TAG = "$mxcp"
_escape = json.encoder.encode_basestring


class EncodingError(TypeError):
    """A value that cannot be sent to the host."""


def decode(value):
    """Decodes a host value (tagged JSON, already parsed) into Python values."""
    if isinstance(value, dict):
        tag = value.get(TAG)
        if tag is None:
            return {k: decode(v) for k, v in value.items()}
        raw = value.get("v")
        if tag == "date":
            return _dt.date.fromisoformat(raw)
        if tag == "time":
            return _dt.time.fromisoformat(raw)
        if tag == "datetime":
            return _dt.datetime.fromisoformat(raw)
        if tag == "decimal":
            return decimal.Decimal(raw)
        if tag == "bytes":
            return base64.b64decode(raw)
        if tag == "dict":
            return {k: decode(v) for k, v in raw.items()}
        if tag == "map":
            return {decode(k): decode(v) for k, v in raw}
        if tag == "timedelta":
            return _dt.timedelta(microseconds=int(raw))
        raise ValueError(f"unknown value tag {tag!r} from the host")
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def dumps(value, tagged=False, durations=False):
    """Serialises a Python value to JSON text for the host; ``tagged`` keeps dates, decimals and bytes typed, and
    ``durations`` also timedeltas (SQL function results), which are ISO 8601 text otherwise."""
    out = []
    _emit(value, out, "durations" if durations else tagged)
    return "".join(out)


def _duration(delta):
    total = delta.days * 86400 + delta.seconds
    sign = "-" if delta < _dt.timedelta(0) else ""
    if sign:
        delta = -delta
        total = delta.days * 86400 + delta.seconds
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}P{days}D" if days else f"{sign}P"
    frac = f".{delta.microseconds:06d}".rstrip("0") if delta.microseconds else ""
    if hours or minutes or seconds or frac or not days:
        text += "T"
        if hours:
            text += f"{hours}H"
        if minutes:
            text += f"{minutes}M"
        if seconds or frac or not (hours or minutes):
            text += f"{seconds}{frac}S"
    return text


def _tag(out, name, text):
    out.append('{"' + TAG + '":"' + name + '","v":')
    out.append(_escape(text))
    out.append("}")


def _emit(v, out, tagged):
    if v is None or v is True or v is False:
        out.append("null" if v is None else ("true" if v else "false"))
    elif isinstance(v, str):
        out.append(_escape(v))
    elif isinstance(v, int) and not isinstance(v, enum.Enum):
        out.append(int.__repr__(v))
    elif isinstance(v, float):
        out.append(float.__repr__(v) if math.isfinite(v) else "null")
    elif isinstance(v, dict):
        if tagged and TAG in v:
            out.append('{"' + TAG + '":"dict","v":')
            _emit_dict(v, out, tagged)
            out.append("}")
        else:
            _emit_dict(v, out, tagged)
    elif isinstance(v, (list, tuple)):
        _emit_list(v, out, tagged)
    elif isinstance(v, _dt.datetime):
        if _is_nat(v):
            out.append("null")
        elif tagged:
            _tag(out, "datetime", v.isoformat())
        elif v.tzinfo is None or v.utcoffset() is None:
            # A naive datetime is sent as UTC, like DuckDB's TIMESTAMP: RFC 3339 (JSON Schema's date-time) needs an offset.
            out.append(_escape(v.isoformat() + "Z"))
        else:
            out.append(_escape(v.isoformat()))
    elif isinstance(v, _dt.date):
        (_tag(out, "date", v.isoformat()) if tagged else out.append(_escape(v.isoformat())))
    elif isinstance(v, _dt.time):
        (_tag(out, "time", v.isoformat()) if tagged else out.append(_escape(v.isoformat())))
    elif isinstance(v, _dt.timedelta):
        if tagged == "durations":
            _tag(out, "timedelta", str((v.days * 86400 + v.seconds) * 1000000 + v.microseconds))
        else:
            out.append(_escape(_duration(v)))
    elif isinstance(v, decimal.Decimal):
        if not v.is_finite():
            out.append("null")
        elif tagged:
            _tag(out, "decimal", str(v))
        else:
            # str(Decimal) is valid JSON number text ('12.50', '1E+2'), so the value arrives exactly.
            out.append(str(v))
    elif isinstance(v, (bytes, bytearray, memoryview)):
        text = base64.b64encode(bytes(v)).decode("ascii")
        (_tag(out, "bytes", text) if tagged else out.append(_escape(text)))
    elif isinstance(v, (set, frozenset)):
        _emit_list(list(v), out, tagged)
    elif isinstance(v, uuid.UUID):
        out.append(_escape(str(v)))
    elif isinstance(v, enum.Enum):
        _emit(v.value, out, tagged)
    elif dataclasses.is_dataclass(v) and not isinstance(v, type):
        _emit_dict(dataclasses.asdict(v), out, tagged)
    else:
        converted = _convert_foreign(v)
        if converted is _UNSUPPORTED:
            raise EncodingError(f"Object of type {type(v).__name__} is not JSON serializable")
        _emit(converted, out, tagged)


def _emit_dict(d, out, tagged):
    out.append("{")
    first = True
    for key, item in d.items():
        if not first:
            out.append(",")
        first = False
        if not isinstance(key, str):
            key = _key_text(key)
        out.append(_escape(key))
        out.append(":")
        _emit(item, out, tagged)
    out.append("}")


def _key_text(key):
    if key is None:
        return "null"
    if key is True or key is False:
        return "true" if key else "false"
    if isinstance(key, (_dt.date, _dt.time)):
        return key.isoformat()
    if isinstance(key, enum.Enum):
        return str(key.value)
    return str(key)


def _emit_list(items, out, tagged):
    out.append("[")
    first = True
    for item in items:
        if not first:
            out.append(",")
        first = False
        _emit(item, out, tagged)
    out.append("]")


def _is_nat(v):
    return type(v).__name__ == "NaTType"


_UNSUPPORTED = object()


def _convert_foreign(v):
    """pandas, numpy and pydantic values, recognised by their module so that none of them is imported here."""
    module = type(v).__module__ or ""
    name = type(v).__name__
    if module.startswith("pandas"):
        if name == "DataFrame":
            frame = v.astype(object).where(v.notna(), None)
            return frame.to_dict("records")
        if name == "Series":
            series = v.astype(object).where(v.notna(), None)
            return series.tolist()
        if name == "NaTType":
            return None
        if name == "Timedelta":
            return v.to_pytimedelta()
        if name in ("Index", "DatetimeIndex", "RangeIndex", "Categorical"):
            return list(v)
    if module == "numpy" or module.startswith("numpy."):
        if name == "ndarray":
            return v.tolist()
        if hasattr(v, "item"):
            item = v.item()
            if isinstance(item, float) and math.isnan(item):
                return None
            return item
    if hasattr(v, "model_dump") and callable(v.model_dump):
        return v.model_dump()
    if hasattr(v, "_asdict") and callable(v._asdict):
        return v._asdict()
    if hasattr(v, "__iter__") and not isinstance(v, (str, bytes, dict)):
        return list(v)
    return _UNSUPPORTED
