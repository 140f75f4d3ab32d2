# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:
    """How to reach Kylin: shared by every module and plugin of the collection."""

    DOCUMENTATION = r'''
options:
  url:
    description:
      - Address of the Kylin server, for example V(http://kylin.example.com:7070).
      - The servlet path C(/kylin) is added unless the URL already ends with it; a URL behind a
        reverse proxy may carry a path prefix (V(https://gw.example.com/analytics)).
      - Must not contain credentials, a query or an API path.
      - If not set, the E(KYLIN_URL) environment variable is used.
    type: str
    required: true
  username:
    description:
      - Kylin user for HTTP Basic authentication.
      - The user needs OPERATION (or higher) permission on the project to change jobs, and to list
        a project's jobs.
      - If not set, the E(KYLIN_USERNAME) environment variable is used.
    type: str
  password:
    description:
      - Password of O(username). Never logged nor returned.
      - Kylin locks a user after repeated wrong passwords, so a request answered HTTP 401 is never retried.
      - If not set, the E(KYLIN_PASSWORD) environment variable is used.
    type: str
  validate_certs:
    description:
      - Verify the server's TLS certificate. Set to V(false) only for test servers.
      - If not set, the E(KYLIN_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - CA bundle (PEM) to verify the server's certificate with, for a private CA.
      - If not set, the E(KYLIN_CA_PATH) environment variable is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP answer. FORCE_STOP and RESTART are slow server-side (Kylin kills a
        process per job before answering), so those requests are sent in chunks sized to answer within it.
      - If not set, the E(KYLIN_TIMEOUT) environment variable is used.
    type: int
    default: 60
  retries:
    description:
      - How many times a read is retried after a connection error or an HTTP 502, 503 or 504, with
        exponential backoff (0.5 s, 1 s, 2 s, ... up to 8 s).
      - Writes are only resent when they never reached the server; when the outcome of a write is
        unknown the jobs are re-read and only those that did not move are sent again.
    type: int
    default: 3
requirements:
  - requests
notes:
  - The modules talk to Kylin's REST API from wherever they run. Run them on the controller
    (C(delegate_to) V(localhost), or a play on V(localhost)) and set the connection options once for
    all of them with C(module_defaults) and the action group C(group/kylin.streaming.kylin).
'''

    PLUGINS = r'''
options:
  url:
    env:
      - name: KYLIN_URL
    vars:
      - name: kylin_url
  username:
    env:
      - name: KYLIN_USERNAME
    vars:
      - name: kylin_username
  password:
    env:
      - name: KYLIN_PASSWORD
    vars:
      - name: kylin_password
  validate_certs:
    env:
      - name: KYLIN_VALIDATE_CERTS
    vars:
      - name: kylin_validate_certs
  ca_path:
    env:
      - name: KYLIN_CA_PATH
    vars:
      - name: kylin_ca_path
  timeout:
    env:
      - name: KYLIN_TIMEOUT
    vars:
      - name: kylin_timeout
'''
