# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: the HTTP client for Kylin's streaming-job REST API.

One ``requests`` session per module run (keep-alive), the headers Kylin's public API routes on,
the ``{code, data, msg}`` envelope, typed errors, and the retry rules of the design:
reads are retried on connection errors and 502/503/504; a write is only resent when it never
left this machine (connection refused, DNS, connect timeout). Anything else that leaves the
outcome of a write unknown is raised with ``maybe_applied`` so the caller can re-read and
reconcile instead of blindly resending.
"""

import base64
import json
import re
import socket
import time

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by the import sanity test
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from urllib.parse import urlencode, urlsplit, urlunsplit

from ansible_collections.kylin.streaming.plugins.module_utils._backoff import Backoff
from ansible_collections.kylin.streaming.plugins.module_utils._errors import (
    RETRYABLE_STATUSES,
    KylinApiError,
    KylinAuthError,
    KylinClusterError,
    KylinError,
    KylinNotFoundError,
    KylinPermissionError,
    KylinResponseError,
    KylinTransportError,
)
from ansible_collections.kylin.streaming.plugins.module_utils._rows import SORT_KEYS, STORAGE_ORDER, closest_names


PUBLIC_ACCEPT = 'application/vnd.apache.kylin-v4-public+json'
INTERNAL_ACCEPT = 'application/vnd.apache.kylin-v4+json'
JOBS_PATH = '/api/streaming_jobs'

# Embedded Tomcat rejects a request line plus headers over 8 KB; stay well below it.
MAX_URL_LENGTH = 4000

# Waits between the retries of one request: 0.5 s, 1 s, 2 s ... up to 8 s.
RETRY_BACKOFF = Backoff(first=0.5, maximum=8.0)

# Kylin error codes the client gives a type of their own.
CODE_ACCESS_DENIED = 'KE-010024001'
CODE_USER_LOCKED = 'KE-010003005'
CODE_PROJECT_NOT_FOUND = 'KE-010001201'
CODE_EMPTY_PROJECT = 'KE-010001002'

# Refusals of the whole cluster (docs/kylin-api.md §7): no job can be acted on, whatever its status.
CODE_MAINTENANCE = 'KE-040024201'
CODE_STREAMING_DISABLED = 'KE-010035014'
CODE_NO_JOB_NODE = 'KE-010021004'
# A refusal of the project (docs/kylin-api.md §11.4): no write of it can succeed until an administrator acts.
CODE_NO_RESOURCE_GROUP = 'KE-010021005'
CLUSTER_ADVICE = {
    CODE_MAINTENANCE: ('Kylin is in maintenance mode and refuses every write until an administrator leaves it: '
                       'wait for the maintenance to end (or leave maintenance mode), then run again; '
                       'reads such as kylin.streaming.job_info still work'),
    CODE_STREAMING_DISABLED: ('streaming is switched off on this Kylin: set kylin.streaming.enabled=true in '
                              'kylin.properties on every node and restart Kylin'),
    CODE_NO_JOB_NODE: ('Kylin has no active job node (a node with kylin.server.mode=all or job) to take the write: '
                       'start one, or check that the job nodes can reach the metadata store'),
    CODE_NO_RESOURCE_GROUP: ('the project is not bound to a resource group, so Kylin forwards none of its writes: '
                             'an administrator binds the project to a resource group (Kylin\'s resource group '
                             'settings), then run again'),
}
# What every refused login says, after Kylin's answer: what to fix, and Kylin's lock-out
# (docs/kylin-api.md §2.3, §11.3), which a client cannot see coming. The variables are named in lower
# case, "in capitals": Ansible masks the password wherever it occurs in a module's output, and Kylin's
# default password, KYLIN, is the first word of their names (docs/design.md §2.1).
# Where the login is set, as a module's error says it; the EDA source says its own (``login_settings``).
LOGIN_SETTINGS = ('the password and username options (for a play at once: module_defaults: '
                  '{group/kylin.streaming.kylin: {...}}), in the collection\'s roles and runbooks the variables '
                  'kylin_password and kylin_username, or their environment variables (kylin_password and '
                  'kylin_username in capitals)')
LOCK_OUT = ('Kylin locks the user at the 3rd wrong password in a row, for 30 s, then 1 min, 5 min, 10 min, 30 min, '
            '1 day, 3 days and for good, and an expired lock keeps the count: the next wrong password locks again')
# Project names suggested for an unknown project: read from at most this many pages of every project's jobs.
PROJECT_PAGES, PROJECT_PAGE_SIZE = 10, 1000

# Transient refusals of a write (docs/kylin-api.md §7, §11.4), by whether the write may have been applied:
# the project's epoch moved (that write was not applied; jobs before it in the PUT were), the forwarding node
# could not pass the request on now, or could not reach the metadata database (neither reached the owner);
# the owner could not be reached from the node that forwarded the write (it may have been applied).
CODE_EPOCH_MOVED = 'KE-040021201'
CODE_CANT_TRANSFER = 'KE-010021003'
CODE_METADATA_UNREACHABLE = 'KE-010019002'
CODE_OWNER_UNREACHABLE = 'KE-010021002'
REFUSED_BEFORE_APPLYING = (CODE_EPOCH_MOVED, CODE_CANT_TRANSFER, CODE_METADATA_UNREACHABLE)
# Refusals a read is retried on like a 503 (the node's filter could not reach the metadata database).
TRANSIENT_READ_CODES = (CODE_METADATA_UNREACHABLE,)


def normalize_base_url(url):
    """Return the API base (``scheme://host:port[/prefix]/kylin``) or raise ``ValueError``.

    ``/kylin`` is added unless the path already ends with it. A URL that points inside the API,
    carries credentials, a query or a fragment is refused with a message saying what to pass.
    """
    if not isinstance(url, str) or not url.strip():
        raise ValueError('url is required, e.g. http://kylin.example.com:7070')
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise ValueError('url must start with http:// or https:// and name a host, e.g. http://kylin.example.com:7070 '
                         '(got %r)' % _strip_userinfo(url))
    if parts.username is not None or parts.password is not None:
        raise ValueError('url must not contain credentials; pass username and password instead')
    if parts.query or parts.fragment:
        raise ValueError('url must be the Kylin server address without a query or fragment, e.g. '
                         'http://kylin.example.com:7070 (got %r)' % url)
    try:
        parts.port
    except ValueError:
        raise ValueError('url has an invalid port: %r' % url)
    path = parts.path.rstrip('/')
    if re.search(r'(^|/)api(/|$)', path):
        raise ValueError('url must be the Kylin server address (e.g. http://kylin.example.com:7070), '
                         'not an API endpoint (got %r)' % url)
    if not path.endswith('/kylin'):
        path += '/kylin'
    return urlunsplit((parts.scheme, parts.netloc, path, '', ''))


def _strip_userinfo(url):
    return re.sub(r'//[^/@]*@', '//', url)


def _basic_auth_header(username, password):
    # Spring Security decodes Basic credentials as UTF-8; requests would use latin-1.
    token = base64.b64encode(('%s:%s' % (username, password or '')).encode('utf-8')).decode('ascii')
    return 'Basic ' + token


def _html_excerpt(text, limit=200):
    text = re.sub(r'(?is)<(script|style).*?</\1>', ' ', text or '')
    text = re.sub(r'<[^>]+>', ' ', text)
    text = re.sub(r'\s+', ' ', text).strip()
    return text[:limit] + ('...' if len(text) > limit else '')


def _shorten(url, limit=300):
    return url if len(url) <= limit else url[:limit] + '...'


def login_refused(username, status, detail, method, url, settings=LOGIN_SETTINGS):
    """The message of a refused login: what happened, Kylin's answer, what to fix (``settings``: where the
    username and password are set), the lock-out, and where."""
    answer = 'HTTP %d%s' % (status, (', ' + detail) if detail else '')
    where = '%s %s' % (method, url.split('?', 1)[0])
    if status == 401 and not username:
        return 'Kylin needs a login, and none was given (%s): set %s [%s]' % (answer, settings, where)
    fix = 'fix the password (or the username) before trying again: %s' % settings
    if status == 401:
        return 'Kylin refused the login of %s (%s): %s. %s [%s]' % (username, answer, fix, LOCK_OUT, where)
    return ('Kylin has locked the user %s after wrong passwords (%s): wait until the lock ends, and %s. %s [%s]'
            % (username, answer, fix, LOCK_OUT, where))


def _project_of(query, body):
    """The project a request names, in its query or its JSON body (None when it names none)."""
    project = dict(query or ()).get('project') or (body or {}).get('project')
    return project if isinstance(project, str) and project else None


def _list_query(page_offset, page_size, project=None, model_name=None, model_names=None, job_types=None,
                statuses=None, job_ids=None, sort_by=None, reverse=None):
    """The query of ``GET /streaming_jobs``; list filters go comma-separated, as Spring binds them."""
    query = [('page_offset', page_offset), ('page_size', page_size)]
    if project:
        query.append(('project', project))
    if model_name:
        query.append(('model_name', model_name))
    for key, values in (('model_names', model_names), ('job_types', job_types), ('statuses', statuses),
                        ('job_ids', job_ids)):
        if values:
            query.append((key, ','.join(values)))
    if sort_by:
        query.append(('sort_by', sort_by))
    if reverse is not None:
        query.append(('reverse', 'true' if reverse else 'false'))
    return query


def _causes(exc):
    """``exc`` and the exceptions it wraps, outermost first (requests -> urllib3 -> socket)."""
    seen = set()
    while isinstance(exc, BaseException) and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        inner = getattr(exc, 'reason', None)
        if not isinstance(inner, BaseException):
            args = getattr(exc, 'args', None)
            inner = args[0] if args and isinstance(args[0], BaseException) else None
        exc = inner


def _never_sent(exc):
    """True when a requests exception proves the request never reached the server."""
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    if not isinstance(exc, requests.exceptions.ConnectionError):
        return False
    names, kinds = ('NewConnectionError', 'NameResolutionError'), (ConnectionRefusedError, socket.gaierror)
    return any(type(err).__name__ in names or isinstance(err, kinds) for err in _causes(exc))


class KylinClient:
    """A thin, typed client of ``/kylin/api/streaming_jobs``.

    ``warn`` is called with a short text for each retry (modules pass ``module.warn``-like
    callables or a debug logger); ``sleep`` and ``clock`` are injectable for tests.
    """

    def __init__(self, url, username=None, password=None, validate_certs=True, ca_path=None, timeout=60,
                 retries=3, warn=None, sleep=time.sleep, clock=time.monotonic):
        if not HAS_REQUESTS:
            raise ImportError('the requests Python library is required: %s' % REQUESTS_IMPORT_ERROR)
        self.base_url = normalize_base_url(url)
        self.username = username
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.verify = ca_path if (ca_path and validate_certs) else bool(validate_certs)
        self._warn = warn
        self._sleep = sleep
        self._clock = clock
        self.request_count = 0
        self.retried = []
        self._projects = None  # the project names, read once, for an unknown project's message
        self.login_settings = LOGIN_SETTINGS  # where a refused login's message says to fix it
        self.session = requests.Session()
        self.session.headers.update({
            'Accept-Language': 'en',
            'Content-Type': 'application/json;charset=utf-8',
            'User-Agent': 'kylin.streaming-ansible',
        })
        if username:
            self.session.headers['Authorization'] = _basic_auth_header(username, password)
        if not validate_certs:
            try:
                import urllib3
                urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            except Exception:  # pylint: disable=broad-except
                pass

    def close(self):
        self.session.close()

    # ---------------------------------------------------------------- endpoints

    def list_jobs(self, page_offset=0, page_size=10, **filters):
        """One page of ``GET /streaming_jobs``: the ``data`` dict (``value``, ``total_size``, ...).

        ``filters``: project, model_name, model_names, job_types, statuses, job_ids, sort_by, reverse.
        """
        query = _list_query(page_offset, page_size, **filters)
        data = self.request('GET', JOBS_PATH, query=query)
        if not isinstance(data, dict) or not isinstance(data.get('value'), list):
            raise KylinResponseError('GET %s: unexpected answer, no job list in it' % self.url_for(JOBS_PATH, query),
                                     method='GET', url=self.url_for(JOBS_PATH, query))
        return data

    def list_url_length(self, **filters):
        """The longest URL ``list_jobs(**filters)`` could request, whatever its paging and sort (to stay under MAX_URL_LENGTH)."""
        filters.setdefault('sort_by', max(SORT_KEYS, key=len))
        filters.setdefault('reverse', False)
        return len(self.url_for(JOBS_PATH, _list_query(0, 100000, **filters)))

    def act(self, action, job_ids, project=None, timeout=None):
        """``PUT /streaming_jobs/status``: apply ``action`` to ``job_ids`` in order.

        ``timeout``: the read timeout of this request when it must exceed the client's.
        """
        body = {'action': action, 'job_ids': list(job_ids)}
        if project:
            body['project'] = project
        self.request('PUT', JOBS_PATH + '/status', body=body, timeout=timeout)

    def set_params(self, project, job_id, params):
        """Internal ``PUT /streaming_jobs/params``: replaces the job's whole params map."""
        body = {'project': project, 'job_id': job_id, 'params': params}
        self.request('PUT', JOBS_PATH + '/params', body=body, accept=INTERNAL_ACCEPT)

    def records(self, job_id):
        """State-change history of one job, newest first."""
        data = self.request('GET', JOBS_PATH + '/records', query=[('job_id', job_id)])
        return data if isinstance(data, list) else []

    def stats(self, job_id, time_filter=None):
        """Latency and throughput series of one job (``time_filter`` in minutes)."""
        query = [('time_filter', time_filter)] if time_filter is not None else []
        data = self.request('GET', JOBS_PATH + '/stats/' + job_id, query=query)
        return data if isinstance(data, dict) else {}

    # ---------------------------------------------------------------- transport

    def url_for(self, path, query=None):
        url = self.base_url + path
        if query:
            url += '?' + urlencode([(k, v) for k, v in query if v is not None])
        return url

    def request(self, method, path, query=None, body=None, accept=PUBLIC_ACCEPT, timeout=None):
        """Send one call and return the envelope's ``data``; raise a ``KylinError`` otherwise."""
        url = self.url_for(path, query)
        if len(url) > MAX_URL_LENGTH:
            raise ValueError('request URL of %d characters is over the %d the server accepts' % (len(url), MAX_URL_LENGTH))
        data = json.dumps(body).encode('utf-8') if body is not None else None
        is_read = method == 'GET'
        attempt = 0
        while True:
            attempt += 1
            try:
                self.request_count += 1
                resp = self.session.request(method, url, data=data, headers={'Accept': accept},
                                            timeout=self._timeouts(timeout), verify=self.verify,
                                            allow_redirects=False)
            except requests.exceptions.RequestException as exc:
                never_sent = _never_sent(exc)
                retry_ok = (is_read or never_sent) and not isinstance(exc, requests.exceptions.SSLError)
                if retry_ok and attempt <= self.retries:
                    self._backoff(attempt, '%s %s: %s' % (method, _shorten(url), self._describe(exc)))
                    continue
                raise self._transport_error(method, url, exc, never_sent, attempt)
            if is_read and attempt <= self.retries:
                if resp.status_code in RETRYABLE_STATUSES:
                    self._backoff(attempt, '%s %s: HTTP %d' % (method, _shorten(url), resp.status_code),
                                  retry_after=resp.headers.get('Retry-After'))
                    continue
                code = _transient_read_code(resp)
                if code:
                    self._backoff(attempt, '%s %s: HTTP %d, %s' % (method, _shorten(url), resp.status_code, code))
                    continue
            try:
                return self._parse(method, url, resp, attempt)
            except KylinNotFoundError as exc:
                if exc.error_code != CODE_PROJECT_NOT_FOUND or not _project_of(query, body):
                    raise
                raise self._unknown_project(exc, _project_of(query, body)) from None

    def _unknown_project(self, exc, project):
        """KE-010001201, said the other way round: the project, the closest names, then Kylin's answer.

        The names come from the job list without a project, which Kylin gives every user (all projects'
        jobs, docs/kylin-api.md §2.3): read once per client, only on this error path, so the projects
        without streaming jobs are not among them.
        """
        if self._projects is None:
            self._projects = []
            try:
                names = set()
                for page in range(PROJECT_PAGES):
                    data = self.list_jobs(page_offset=page, page_size=PROJECT_PAGE_SIZE, sort_by=STORAGE_ORDER, reverse=False)
                    names.update(row.get('project') for row in data['value'] if row.get('project'))
                    if (page + 1) * PROJECT_PAGE_SIZE >= (data.get('total_size') or 0):
                        break
                self._projects = sorted(names)
            except KylinError:
                pass
        close = closest_names(project, self._projects)
        if close:
            hint = 'did you mean %s?' % ' or '.join(close)
        elif not self._projects:
            hint = 'no project of this Kylin has streaming jobs'
        elif len(self._projects) <= 10:
            hint = 'the projects with streaming jobs are %s' % ', '.join(self._projects)
        else:
            hint = 'none of its %d projects with streaming jobs has a name close to it' % len(self._projects)
        msg = 'project %s does not exist on %s: %s (Kylin answered %s %s: HTTP %s, %s)' % (
            project, _scheme_host(self.base_url), hint, exc.method, _shorten(exc.url), exc.status,
            exc.kylin_msg or exc.error_code)
        return KylinNotFoundError(msg, method=exc.method, url=exc.url, status=exc.status, error_code=exc.error_code,
                                  kylin_msg=exc.kylin_msg)

    def _timeouts(self, read_timeout):
        if read_timeout is None or read_timeout <= self.timeout:
            return self.timeout
        return (self.timeout, read_timeout)

    def _backoff(self, attempt, what, retry_after=None):
        delay = RETRY_BACKOFF.delay(attempt)
        try:
            if retry_after is not None:
                delay = max(delay, min(RETRY_BACKOFF.maximum * 2, float(retry_after)))
        except (TypeError, ValueError):
            pass
        self.retried.append(what)
        if self._warn:
            self._warn('retrying in %.1fs (%d of %d): %s' % (delay, attempt, self.retries, what))
        self._sleep(delay)

    def _describe(self, exc):
        reason = _root_reason(exc)
        https = self.base_url.startswith('https:')
        if isinstance(exc, requests.exceptions.SSLError) and _PLAIN_HTTP_ANSWER.search(reason):
            return ('TLS error: the server answers plain HTTP, not TLS; use an http:// url (url is %s): %s'
                    % (_scheme_host(self.base_url), reason))
        if isinstance(exc, requests.exceptions.SSLError):
            return 'TLS error (certificate not trusted? set ca_path, or validate_certs: false for a test server): %s' % reason
        if not https and isinstance(exc, requests.exceptions.ConnectionError) and _TLS_SERVER_HANGUP.search(reason):
            return ('connection failed: %s; the server closed the connection on a plain HTTP request: if it speaks '
                    'HTTPS, use an https:// url (url is %s)' % (reason, _scheme_host(self.base_url)))
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return 'no connection within %ss (timeout)' % self.timeout
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return 'no answer within %ss (timeout)' % self.timeout
        if isinstance(exc, requests.exceptions.ConnectionError):
            return 'connection failed: %s' % reason
        return reason

    def _transport_error(self, method, url, exc, never_sent, attempts):
        tried = ' (after %d attempts)' % attempts if attempts > 1 else ''
        msg = '%s %s: %s%s' % (method, _shorten(url), self._describe(exc), tried)
        return KylinTransportError(msg, method=method, url=url, maybe_applied=(method != 'GET' and not never_sent))

    def _parse(self, method, url, resp, attempts):
        status = resp.status_code
        # Kylin's vnd.apache.kylin-*+json answers carry no charset, and requests would guess one over
        # the whole body (slow for a 10,000-row list, and wrong for some non-ASCII model names).
        text = (resp.content or b'').decode('utf-8', 'replace')
        try:
            body = json.loads(text) if text.strip() else None
        except ValueError:
            body = None
        if status == 200 and isinstance(body, dict) and body.get('code') == '000':
            return body.get('data')

        where = '%s %s' % (method, _shorten(url))
        tried = ' (after %d attempts)' % attempts if attempts > 1 else ''
        write = method != 'GET'
        if not isinstance(body, dict) or ('code' not in body and 'msg' not in body):
            ctype = resp.headers.get('Content-Type', 'no content type')
            excerpt = _html_excerpt(text) or 'empty body'
            if status == 401:
                return self._raise(KylinAuthError, login_refused(
                    self.username, status, excerpt, method, url, self.login_settings), method, url, status)
            if status == 404:
                return self._raise(KylinNotFoundError, '%s: HTTP 404, no Kylin streaming job API here; url must be the Kylin '
                                   'server address, e.g. http://kylin.example.com:7070' % where, method, url, status)
            if status == 406:
                return self._raise(KylinApiError, '%s: HTTP 406, the server does not serve %s; the public streaming job API '
                                   'needs Kylin 5 or Kyligence Enterprise 4.5.8.2 or later' % (where, PUBLIC_ACCEPT),
                                   method, url, status)
            return self._raise(KylinResponseError, '%s: HTTP %d, not a Kylin answer (%s)%s: %s' % (
                where, status, ctype.split(';')[0], tried, excerpt), method, url, status, maybe_applied=write)

        error_code = body.get('error_code')
        kylin_msg = body.get('msg') or body.get('exception') or ''
        kylin_msg = kylin_msg if isinstance(kylin_msg, str) else json.dumps(kylin_msg)
        detail = kylin_msg if (not error_code or kylin_msg.startswith(error_code)) else '%s %s' % (error_code, kylin_msg)
        msg = '%s: HTTP %d%s, %s' % (where, status, tried, detail or 'no message')
        if status == 401 or error_code == CODE_USER_LOCKED:
            return self._raise(KylinAuthError, login_refused(
                self.username, status, detail, method, url, self.login_settings), method, url, status, error_code, kylin_msg)
        if error_code == CODE_ACCESS_DENIED:
            return self._raise(KylinPermissionError, msg + ' (the user needs OPERATION permission on the project)',
                               method, url, status, error_code, kylin_msg)
        if error_code in CLUSTER_ADVICE:
            return self._raise(KylinClusterError, '%s: %s (Kylin: %s)' % (where, CLUSTER_ADVICE[error_code], detail),
                               method, url, status, error_code, kylin_msg)
        if error_code in (CODE_PROJECT_NOT_FOUND,) or status == 404:
            return self._raise(KylinNotFoundError, msg, method, url, status, error_code, kylin_msg)
        # A write answered by a gateway error, or by a node that lost the owner's answer, may have been applied.
        maybe = write and (status in RETRYABLE_STATUSES or error_code == CODE_OWNER_UNREACHABLE)
        return self._raise(KylinApiError, msg, method, url, status, error_code, kylin_msg, maybe_applied=maybe)

    @staticmethod
    def _raise(error_type, msg, method, url, status, error_code=None, kylin_msg=None, maybe_applied=False):
        raise error_type(msg, method=method, url=url, status=status, error_code=error_code, kylin_msg=kylin_msg,
                         maybe_applied=maybe_applied)


# OpenSSL's words for a plain-HTTP answer to a TLS hello, across versions.
_PLAIN_HTTP_ANSWER = re.compile(r'WRONG_VERSION_NUMBER|wrong version number|record layer failure|packet length too long|'
                                r'HTTP_REQUEST|http request', re.I)
# What a plain-HTTP client sees when a TLS server hangs up on it (or answers with a TLS alert).
_TLS_SERVER_HANGUP = re.compile(r'ConnectionResetError|Connection reset|RemoteDisconnected|closed connection without|'
                                r'BadStatusLine|\\x15\\x03|Connection aborted', re.I)


def _transient_read_code(resp):
    """The error code of a 500 a read is retried on (``TRANSIENT_READ_CODES``), or None."""
    if resp.status_code != 500:
        return None
    try:
        code = json.loads((resp.content or b'').decode('utf-8', 'replace')).get('error_code')
    except (ValueError, AttributeError):
        return None
    return code if code in TRANSIENT_READ_CODES else None


def _scheme_host(url):
    parts = urlsplit(url)
    return '%s://%s' % (parts.scheme, parts.netloc)


def _root_reason(exc):
    """The innermost cause of a requests exception, without urllib3's wrappers and object reprs.

    ``str()`` of a requests ConnectionError reads "Max retries exceeded with url: ..." even though
    nothing was retried at that level, and repeats the URL the message already names.
    """
    err = list(_causes(exc))[-1]
    text = re.sub(r'<[^<>]* object at 0x[0-9a-fA-F]+>:?\s*|^\w*Connection\(host=[^)]*\):\s*', '', str(err))
    text = text.strip().splitlines()
    return text[0][:300] if text else type(err).__name__
