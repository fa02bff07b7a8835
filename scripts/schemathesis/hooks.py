"""Schemathesis hooks for Roombook's contract run (scripts/api-contract.sh).

The document says in words what no schema can: a stay's dates lie in the
booking window (check-in today or later, check-out after check-in, at most
30 nights, no later than today + 365 days at the property), `to` comes after
`from`, `max_price` is not below `min_price`, a party fits the rooms it
books, a `cursor` is one the server handed out, an `Idempotency-Key`
names one request, and integers are written as integers (`2`, not `2.0`,
which JSON Schema also counts as an integer). These hooks make the
*positive* cases keep those rules, so that "valid by the document" also
means valid for the server; negative cases are left exactly as generated.
"""

import base64
import datetime
import uuid
from collections.abc import MutableMapping

import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode

# The server runs with ROOMBOOK_TIME_ZONE=UTC in the contract run.
TODAY = datetime.datetime.now(datetime.timezone.utc).date()
# Tomorrow at the earliest, so a time-zone edge cannot make it the past, and
# early enough that a 30-night stay still ends inside the window.
FIRST = TODAY + datetime.timedelta(days=1)
LAST = TODAY + datetime.timedelta(days=330)
MAX_NIGHTS = 30

# A 2 x 2 PNG: an upload's `file` must be a JPEG, PNG or WebP image the
# server can decode, which no schema can say; positive uploads bring one.
TINY_PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGNocFAAIgYIBQAaDgOBnA45xwAAAABJRU5ErkJggg==")

schemathesis.openapi.format("date", st.dates(min_value=FIRST, max_value=LAST).map(str))


def _date(value):
    if not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _in_window(day):
    if FIRST <= day <= LAST:
        return day
    return FIRST + datetime.timedelta(days=day.toordinal() % (LAST - FIRST).days)


def _fix_dates(data, start, end):
    first = _date(data.get(start))
    last = _date(data.get(end))
    if first is not None:
        first = _in_window(first)
        data[start] = first.isoformat()
    if last is not None:
        last = _in_window(last)
        if first is not None and not (first < last <= first + datetime.timedelta(days=MAX_NIGHTS)):
            last = first + datetime.timedelta(days=1 + last.toordinal() % MAX_NIGHTS)
        data[end] = last.isoformat()


def _int(value):
    """An integer as JSON or as a query string carries it, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _integers_as_integers(value):
    """JSON Schema counts 1.0 as an integer; the server reads integers
    written as integers (the document says so in words)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, list):
        return [_integers_as_integers(item) for item in value]
    if isinstance(value, MutableMapping):
        for key in list(value):
            value[key] = _integers_as_integers(value[key])
    return value


def _fix(data, in_body):
    if in_body:
        _integers_as_integers(data)
    _fix_dates(data, "check_in", "check_out")
    _fix_dates(data, "from", "to")
    low, high = _int(data.get("min_price")), _int(data.get("max_price"))
    if low is not None and high is not None and high < low:
        data["min_price"], data["max_price"] = data["max_price"], data["min_price"]
    # A cursor is opaque: only one the server gave out can be valid.
    data.pop("cursor", None)
    # Only an admin may ask for the `admin` scope, and a hook cannot tell
    # which identity a case runs as: positive cases ask for the others.
    if in_body and isinstance(data.get("scopes"), list):
        data["scopes"] = [scope for scope in data["scopes"] if scope != "admin"] or ["read"]
    guests, units = _int(data.get("guests")), _int(data.get("units", 1))
    if in_body and guests is not None and units is not None and units >= 1:
        # Every room sleeps at least one guest.
        data["guests"] = max(1, min(guests, units))


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE:
        return case
    if isinstance(case.query, MutableMapping):
        _fix(case.query, in_body=False)
    if isinstance(case.body, MutableMapping):
        _fix(case.body, in_body=True)
        if "file" in case.body:
            case.body["file"] = TINY_PNG
    # A key names one request: the same key with another body is refused
    # (422 `idempotency_key_reused`), so a valid request brings a new one.
    if isinstance(case.headers, MutableMapping):
        for name in list(case.headers):
            if name.lower() == "idempotency-key":
                case.headers[name] = str(uuid.uuid4())
    return case
