# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: change windows (``kylin_change_windows``), as pure functions.

A window is ``{days: [mon..sun], start: "HH:MM", end: "HH:MM", tz: "<IANA zone>"}``: it opens on each
of its days at ``start``, local time in ``tz``, and closes at ``end``, on the next day when ``end`` is
not after ``start`` (a window across midnight belongs to the day it opens). ``days`` defaults to every
day, ``tz`` to UTC, and ``end`` may be ``24:00``. Times are wall-clock times of the zone, so a window
keeps its local hours across daylight-saving changes (Python's zoneinfo, the IANA database).

``check()`` says whether a moment is inside a window and when the next one opens, for the
``change_window`` filter (docs/design.md §2.4c). No I/O, and the moment is always given.
"""

import datetime

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
except ImportError:  # pragma: no cover - Python < 3.9 has no zoneinfo; check() says so
    ZoneInfo = None
    ZoneInfoNotFoundError = KeyError

try:
    from collections.abc import Mapping
except ImportError:  # pragma: no cover - Python 2 is not supported; keeps the import sanity test quiet
    Mapping = dict

DAYS = ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')
KEYS = ('days', 'start', 'end', 'tz')
UTC = datetime.timezone.utc
# How far ahead the next opening is looked for: a week holds every day a window can have.
LOOKAHEAD_DAYS = 8


class Window:
    """One checked window: its days (0 = Monday), start and end (minutes of the day), zone and label."""

    def __init__(self, days, start, end, tz_name, zone):
        self.days = days
        self.start = start
        self.end = end
        self.tz_name = tz_name
        self.zone = zone

    @property
    def crosses_midnight(self):
        return self.end <= self.start

    @property
    def label(self):
        days = ','.join(DAYS[d] for d in sorted(self.days)) if len(self.days) < 7 else 'every day'
        return '%s %s-%s %s' % (days, _hhmm(self.start), _hhmm(self.end), self.tz_name)

    def openings(self, moment, before=1, after=LOOKAHEAD_DAYS):
        """``(start, end)`` in UTC of this window's openings on the local days around ``moment``."""
        today = moment.astimezone(self.zone).date()
        for offset in range(-before, after + 1):
            day = today + datetime.timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            start = _at(day, self.start, self.zone)
            end = _at(day + datetime.timedelta(days=1 if self.crosses_midnight else 0), self.end, self.zone)
            yield start, end


def _hhmm(minutes):
    return '%02d:%02d' % divmod(minutes, 60)


def _at(day, minutes, zone):
    """The UTC moment of ``minutes`` after midnight on ``day``, wall-clock time in ``zone`` (24:00 is the next midnight)."""
    extra, minutes = divmod(minutes, 24 * 60)
    local = datetime.datetime.combine(day + datetime.timedelta(days=extra), datetime.time(*divmod(minutes, 60)))
    return local.replace(tzinfo=zone).astimezone(UTC)


def _minutes(value, end=False):
    """Minutes of the day for ``HH:MM`` (``24:00`` only as an end), or None."""
    text = '%s' % (value,)
    parts = text.split(':')
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):
        return None
    hours, minutes = int(parts[0]), int(parts[1])
    if hours == 24 and minutes == 0 and end:
        return 24 * 60
    if hours > 23 or minutes > 59:
        return None
    return hours * 60 + minutes


def parse(windows):
    """``(windows, problems)``: ``kylin_change_windows`` checked, as ``Window`` objects and one line per mistake."""
    if windows is None or windows == '':
        return [], []
    if not isinstance(windows, (list, tuple)):
        return [], ['kylin_change_windows must be a list of windows ({days, start, end, tz}), not %s' % (windows,)]
    if windows and ZoneInfo is None:
        return [], ['kylin_change_windows need Python 3.9 or later on the controller (zoneinfo)']
    parsed, problems = [], []
    for number, window in enumerate(windows, 1):
        where = 'kylin_change_windows entry %d' % number
        if not isinstance(window, Mapping):
            problems.append('%s is not a mapping ({days, start, end, tz}): %s' % (where, window))
            continue
        found = []
        unknown = [key for key in window if key not in KEYS]
        if unknown:
            found.append('%s: unknown key %s (known: %s)' % (where, ', '.join(sorted('%s' % k for k in unknown)), ', '.join(KEYS)))
        days = window.get('days')
        if days is None:
            names = list(DAYS)
        elif isinstance(days, (list, tuple)):
            names = list(days)
        else:
            names = [days]
        if not names or not all(isinstance(d, str) and d.lower() in DAYS for d in names):
            found.append('%s: days must be a list of %s, not %s' % (where, ', '.join(DAYS), days))
        start, end = _minutes(window.get('start')), _minutes(window.get('end'), end=True)
        if start is None:
            found.append('%s: start must be a time HH:MM (00:00 to 23:59), not %s' % (where, window.get('start')))
        if end is None:
            found.append('%s: end must be a time HH:MM (00:00 to 24:00), not %s' % (where, window.get('end')))
        if start is not None and end is not None and start == end % (24 * 60) and end != 24 * 60:
            found.append('%s: start and end are both %s (for a whole day use start 00:00, end 24:00)' % (where, _hhmm(start)))
        tz_name = window.get('tz') or 'UTC'
        zone = None
        try:
            zone = ZoneInfo('%s' % tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            found.append('%s: tz %s is not a time zone of the IANA database (e.g. Europe/Berlin, UTC)' % (where, tz_name))
        if found:
            problems.extend(found)
            continue
        parsed.append(Window(set(DAYS.index(d.lower()) for d in names), start, end, '%s' % tz_name, zone))
    return parsed, problems


def _local(moment, window):
    """``Wed 2026-03-04 22:00 Europe/Berlin``: a UTC moment on the wall clock of the window's zone."""
    return '%s %s' % (moment.astimezone(window.zone).strftime('%a %Y-%m-%d %H:%M'), window.tz_name)


def _span(seconds):
    seconds = int(max(seconds, 0))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return '%dd %dh' % (days, hours)
    if hours:
        return '%dh %02dm' % (hours, minutes)
    return '%dm' % minutes


def check(windows, now):
    """Whether ``now`` (an aware datetime) is inside one of ``windows`` (``kylin_change_windows``).

    A dict: ``open`` (also true with no windows), ``problems`` (with any, ``open`` is false and nothing
    else is computed), ``window`` (the label of the open window, or None), ``until`` (when it closes,
    ISO 8601 in UTC), ``next`` (``{window, start}`` of the next opening when closed: its label and its
    start, ISO 8601 in UTC; None when no window ever opens), and ``message``, one line.
    """
    parsed, problems = parse(windows)
    result = dict(open=False, problems=problems, window=None, until=None, next=None, now=None, message='')
    if problems:
        result['message'] = 'kylin_change_windows has mistakes: %s' % '; '.join(problems)
        return result
    now = now.astimezone(UTC)
    result['now'] = now.isoformat()
    if not parsed:
        result.update(open=True, message='no change windows are set')
        return result
    current, upcoming = None, None
    for window in parsed:
        for start, end in window.openings(now):
            if start <= now < end and (current is None or end > current[1]):
                current = (window, end)
            if start > now and (upcoming is None or start < upcoming[1]):
                upcoming = (window, start)
    if current:
        window, end = current
        result.update(open=True, window=window.label, until=end.isoformat(),
                      message='inside the change window %s, until %s' % (window.label, _local(end, window)))
        return result
    if upcoming is None:  # pragma: no cover - a parsed window opens within a week
        result['message'] = 'outside every change window, and none opens within a week'
        return result
    window, start = upcoming
    result['next'] = dict(window=window.label, start=start.isoformat())
    result['message'] = 'outside every change window (now %s); the next opens %s (in %s): %s' % (
        _local(now, window), _local(start, window), _span((start - now).total_seconds()), window.label)
    return result
