"""Kylin's error catalogue: the exact codes, texts and HTTP statuses the real server answers with.

Kylin has two message formats (docs/kylin-api.md §2.2):

* new ``ErrorCodeProducer`` codes: ``"KE-010043201: Request parameter ..."``, suggestion ``""``;
* old ``ServerErrorCode`` codes: ``"KE-010035005(Job Start Failure):<detail>"``, suggestion null.

Anything that is not a ``KylinException`` in Kylin (NPE, IndexOutOfBounds, ...) goes through
``NBasicController.handleError`` and becomes ``KE-000000001(UNKNOWN ERRORCODE): <message>`` with a
null ``error_code``. Texts that use the typographic apostrophe are written with ``\\u2019`` escapes
because the collection's sanity tests reject smart quotes in source files.
"""

import json

APOS = "\u2019"

# Old-style codes: the short description shown in brackets (kylin_errorcode_conf_en.properties).
OLD_DESCRIPTIONS = {
    "KE-000000001": "UNKNOWN ERRORCODE",
    "KE-000030001": "Failed Parse Json",
    "KE-010000003": "Invalid Parameter",
    "KE-010001002": "Empty Project Name",
    "KE-010003005": "User Locked",
    "KE-010006002": "Invalid Partition Column",
    "KE-010019002": "Failed to connect catalog",
    "KE-010021002": "System Is Recover",
    "KE-010021003": "Transfer Failed",
    "KE-010021004": "No Active All Node",
    "KE-010021005": "The project is not bound to resource group",
    "KE-010024001": "No access",
    "KE-010035005": "Job Start Failure",
    "KE-010035007": "Yarn Application Existed",
    "KE-010035014": "Unsupported Operation",
}

# New-style codes: the message template (kylin_error_msg_conf_en.properties).
NEW_TEXTS = {
    "KE-010001201": 'Can\'t find project "%s". Please check and try again.',
    "KE-010003207": "Can't authenticate. Please login again.",
    "KE-010003208": "Invalid username or password. Please check and try again.",
    "KE-010043201": 'Request parameter "%s" is empty or value is empty. Please check the request parameters.',
    "KE-010043207": 'The entered parameter "%s" is invalid, only supports "%s" at the moment. Please check and try again.',
    "KE-040021201": "System is trying to recover service. Please try again later.",
    "KE-040024201": "Can't operate Metadata at the moment, as system is in maintenance mode.",
    "KE-010043214": "Can't refresh the value, the time units are only supported in d (days), h (hours), or m (minutes). "
                    "Please check and try again.",
}

KYLIN_EXCEPTION = "org.apache.kylin.common.exception.KylinException"

# A few frames so that the fake traces look like the ones Kylin prints; nobody should parse them.
_FRAMES_COMMON = [
    "org.springframework.web.method.support.InvocableHandlerMethod.doInvoke(InvocableHandlerMethod.java:205)",
    "org.springframework.web.servlet.DispatcherServlet.doDispatch(DispatcherServlet.java:1072)",
    "org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1006)",
    "javax.servlet.http.HttpServlet.service(HttpServlet.java:764)",
    "org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:162)",
    "org.apache.kylin.rest.QueryNodeFilter.doFilter(QueryNodeFilter.java:209)",
    "org.apache.tomcat.util.threads.TaskThread$WrappingRunnable.run(TaskThread.java:61)",
    "java.lang.Thread.run(Thread.java:750)",
]

FRAMES = {
    "controller": ["org.apache.kylin.rest.controller.NBasicController.checkStreamingEnabled(NBasicController.java:583)"],
    "list": ["org.apache.kylin.rest.service.StreamingJobService.getStreamingJobList(StreamingJobService.java:343)",
             "org.apache.kylin.rest.controller.open.OpenStreamingJobController.getStreamingJobList(OpenStreamingJobController.java:79)"],
    "status": ["org.apache.kylin.rest.service.StreamingJobService.updateStreamingJobStatus(StreamingJobService.java:174)",
               "org.apache.kylin.rest.controller.StreamingJobController.updateStreamingJobStatus(StreamingJobController.java:126)"],
    "start": ["org.apache.kylin.streaming.jobs.scheduler.StreamingScheduler.submitJob(StreamingScheduler.java:152)",
              "org.apache.kylin.rest.service.StreamingJobService.launchStreamingJob(StreamingJobService.java:110)",
              "org.apache.kylin.rest.service.StreamingJobService.updateStreamingJobStatus(StreamingJobService.java:178)"],
    "acl": ["org.apache.kylin.rest.util.AclEvaluate.checkProjectOperationPermission(AclEvaluate.java:72)",
            "org.apache.kylin.rest.service.StreamingJobService.updateStreamingJobStatus(StreamingJobService.java:169)"],
    "params": ["org.apache.kylin.rest.service.StreamingJobService.updateStreamingJobParams(StreamingJobService.java:145)"],
    "filter": ["org.apache.kylin.rest.QueryNodeFilter.doFilter(QueryNodeFilter.java:187)"],
    "route": ["org.apache.kylin.rest.BaseFilter.routeAPI(BaseFilter.java:122)",
              "org.apache.kylin.rest.QueryNodeFilter.doFilter(QueryNodeFilter.java:216)"],
    "epoch": ["org.apache.kylin.metadata.project.EnhancedUnitOfWork.lambda$doInTransactionWithCheckAndRetry$0"
              "(EnhancedUnitOfWork.java:64)",
              "org.apache.kylin.common.persistence.transaction.UnitOfWork.doInTransactionWithRetry(UnitOfWork.java:115)",
              "org.apache.kylin.rest.service.StreamingJobService.updateStreamingJobStatus(StreamingJobService.java:176)"],
    "auth": ["org.apache.kylin.rest.security.NUnauthorisedEntryPoint.commence(NUnauthorisedEntryPoint.java:60)",
             "org.springframework.security.web.authentication.www.BasicAuthenticationFilter.doFilterInternal(BasicAuthenticationFilter.java:202)"],
    "binding": ["org.springframework.web.method.annotation.AbstractNamedValueMethodArgumentResolver.resolveArgument"
                "(AbstractNamedValueMethodArgumentResolver.java:133)"],
    "body": ["org.springframework.http.converter.json.AbstractJackson2HttpMessageConverter.readJavaType"
             "(AbstractJackson2HttpMessageConverter.java:391)"],
}


def java_trace(java_class, message, where="controller"):
    """A plausible Java stack trace string (Kylin sends one with every error)."""
    head = java_class if message is None else "%s: %s" % (java_class, message)
    frames = FRAMES.get(where, []) + _FRAMES_COMMON
    return head + "".join("\n\tat " + frame for frame in frames)


class KylinError(Exception):
    """An error that the HTTP layer answers with Kylin's ``ErrorResponse`` body."""

    def __init__(self, status, msg, error_code, exception=None, suggestion=None, java_class=KYLIN_EXCEPTION,
                 where="controller", url_path=None, pretty=False, with_query=False, json_type=False):
        super().__init__(msg)
        self.status = status
        self.msg = msg
        self.error_code = error_code
        self.exception = msg if exception is None and java_class == KYLIN_EXCEPTION else exception
        self.suggestion = suggestion
        self.java_class = java_class
        self.where = where
        self.url_path = url_path      # answer with this path in "url" (a forward to /kylin/api/error)
        self.pretty = pretty          # 401/400 from the security entry point: pretty-printed application/json
        self.with_query = with_query  # ... whose url includes the query string
        self.json_type = json_type    # answered as application/json whatever the Accept header (a filter writes it)

    def body(self, url):
        """The ``ErrorResponse`` fields, in the order Kylin writes them."""
        return {
            "code": "999",
            "data": None,
            "msg": self.msg,
            "stacktrace": java_trace(self.java_class, self.exception, self.where),
            "exception": self.exception,
            "url": url,
            "suggestion": self.suggestion,
            "error_code": self.error_code,
        }

    def to_json_bytes(self, url):
        """Serialise like Jackson: compact, or indented for the security entry point."""
        if self.pretty:
            return json.dumps(self.body(url), indent=2, separators=(",", " : "), ensure_ascii=False).encode("utf-8")
        return json.dumps(self.body(url), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def old_style(code, detail, status=500, **kwargs):
    """``KE-x(Description):detail`` (ServerErrorCode)."""
    return KylinError(status, "%s(%s):%s" % (code, OLD_DESCRIPTIONS[code], detail), code, **kwargs)


def new_style(code, *args, status=500, **kwargs):
    """``KE-x: text`` (ErrorCodeProducer)."""
    text = NEW_TEXTS[code] % args if args else NEW_TEXTS[code]
    return KylinError(status, "%s: %s" % (code, text), code, suggestion="", **kwargs)


def unknown(java_class, message, status=500, where="controller"):
    """A non-Kylin exception unwrapped by ``handleError``: ``KE-000000001(UNKNOWN ERRORCODE): <message>``."""
    text = "null" if message is None else message
    return KylinError(status, "KE-000000001(UNKNOWN ERRORCODE): " + text, None, exception=message,
                      java_class=java_class, where=where)


# ---------------------------------------------------------------- named errors, as the code raises them

def streaming_disabled():
    return old_style("KE-010035014", "The Real-time functions is under development.")


def no_active_job_node():
    """``QueryNodeFilter``: no job node is up (``clusterManager.getJobServers()`` is empty); every write."""
    return old_style("KE-010021004", "There is no active leader node. Please contact system admin to check and fix.",
                     where="filter", url_path="/kylin/api/error")


def maintenance_mode():
    """``QueryNodeFilter``: the system is in maintenance mode; every write until an admin leaves it."""
    return new_style("KE-040024201", where="filter", url_path="/kylin/api/error")


def epoch_moved():
    """``EnhancedUnitOfWork``: the project's epoch moved to another node; raised before the transaction applies."""
    return new_style("KE-040021201", where="epoch")


def owner_unreachable():
    """``BaseFilter.routeAPI``: the forwarded write got no answer from the owner (it may have been applied)."""
    return old_style("KE-010021002", "System is trying to recover service. Please try again later.", where="route",
                     json_type=True)


def transfer_failed():
    """``QueryNodeFilter``: forwarding the write to the owner failed at once (transient; nothing applied)."""
    return old_style("KE-010021003", "Can%st transfer the request at the moment. Please try again later." % APOS,
                     where="route", url_path="/kylin/api/error")


def project_without_resource_group():
    """``ResourceGroupCheckerFilter``: the project is bound to no resource group; every write until an admin binds it."""
    return old_style("KE-010021005", "Can%st use this project properly as no resource group has been allocated yet. "
                     "Please contact admin." % APOS, where="filter", url_path="/kylin/api/error")


def metadata_unreachable():
    """``QueryNodeFilter.writeConnectionErrorResponse``: the metadata database (RDBMS) cannot be reached (transient)."""
    return old_style("KE-010019002", "Can%st connect to the RDBMS metastore. Please check if the metastore is working "
                     "properly." % APOS, where="filter", json_type=True)


def param_empty(name, where="controller"):
    return new_style("KE-010043201", name, where=where)


def param_invalid(name, supported):
    return new_style("KE-010043207", name, supported)


def project_not_found(name, where="controller", url_path=None):
    return new_style("KE-010001201", name, where=where, url_path=url_path)


def empty_project_name(where="acl"):
    return old_style("KE-010001002", "Can%st find project information. Please select a project." % APOS, where=where)


def access_denied(where="acl"):
    return old_style("KE-010024001", "The user doesn't have access.", status=400, where=where)


def job_start_failure(job_id):
    return old_style("KE-010035005", job_id, where="start")


def model_broken(alias):
    return old_style("KE-010035005", 'Can%st start. Model "%s" is currently broken. ' % (APOS, alias), where="start")


def partition_column_invalid():
    return old_style("KE-010006002", "Can%st start. Please ensure the time partition column is a timestamp column and the time "
                     "format is valid." % APOS, where="start")


def yarn_app_existed(alias):
    return old_style("KE-010035007", 'Can%st start the streaming job of model "%s", as it has an ongoing one at the moment. '
                     "Please check and try again." % (APOS, alias), where="start")


def table_refresh_interval_invalid():
    return new_style("KE-010043214", where="params")


def illegal_time_filter():
    return old_style("KE-010000003", "The selected time filter is invalid. Please select again.")


def invalid_parameter(message, where="binding"):
    """IllegalArgumentException & co. turned into 400 by ``handleInvalidRequestParam``."""
    return old_style("KE-010000003", message, status=400, where=where)


def no_enum_constant(enum_class, name):
    return invalid_parameter("No enum constant %s.%s" % (enum_class, name), where="status")


def type_mismatch(java_type, nested):
    return invalid_parameter("Failed to convert value of type 'java.lang.String' to required type '%s'; nested exception is %s"
                             % (java_type, nested))


def missing_param(name, java_type="String"):
    return invalid_parameter("Required request parameter '%s' for method parameter type %s is not present" % (name, java_type))


def npe(where="status"):
    return unknown("java.lang.NullPointerException", None, where=where)


def index_out_of_bounds(message, java_class="java.lang.IndexOutOfBoundsException", where="status"):
    return unknown(java_class, message, where=where)


def json_parse(message):
    """A JsonParseException is the root cause: ``KE-000030001(Failed Parse Json): <message>``."""
    err = unknown("com.fasterxml.jackson.core.JsonParseException", message, where="body")
    err.msg = "KE-000030001(Failed Parse Json): " + message
    return err


def unauthorized():
    """No credentials (InsufficientAuthenticationException)."""
    return new_style("KE-010003207", status=401, where="auth", pretty=True, with_query=True)


def login_failed():
    """Bad credentials (BadCredentialsException)."""
    return new_style("KE-010003208", status=401, where="auth", pretty=True, with_query=True)


def user_locked(text):
    """LockedException: HTTP 400 with the lock message."""
    return old_style("KE-010003005", text, status=400, where="auth", pretty=True, with_query=True)
