"""An LTI 1.3 platform for the tests, built from a third-party implementation (`lti1p3platform` on PyPI).

The library does the LTI work (OIDC login initiation, signing launches, deep-linking with its settings claim,
checking our deep-linking answer and client assertions against our JWKS, issuing access tokens, and the AGS and
NRPS service handlers); this module only glues it to a tiny Flask app, keeps its data in memory, and serves it
with Werkzeug on a free local port, in a thread, so Dignity talks to it over real HTTP.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, make_response, redirect, request
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService
from werkzeug.serving import make_server

CLIENT_ID = "dignity-tool"
DEPLOYMENT_ID = "deployment-1"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def new_key_pems() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


class FlaskRequest(Request):
    """lti1p3platform's request interface over Flask's request."""

    def build_metadata(self, req):
        return {"method": req.method, "form_data": req.form.to_dict(), "get_data": req.args.to_dict(),
                "headers": req.headers, "content_type": req.content_type, "path": req.path,
                "json": req.get_json(silent=True)}


@dataclass
class PlatformState:
    """What the platform knows: users, pending launches, line items, scores, deep-linking answers."""

    users: dict = field(default_factory=dict)  # sub -> {"name", "email", "roles"}
    hints: dict = field(default_factory=dict)  # lti_message_hint -> launch settings
    lineitems: dict = field(default_factory=dict)  # id -> line item
    scores: dict = field(default_factory=dict)  # line item id -> {userId: score}
    placed: list = field(default_factory=list)  # content items received by deep linking
    down: bool = False  # the gradebook answers 503 while True


class Platform:
    """The platform app, its keys and its registration of Dignity."""

    def __init__(self, tool_url: str):
        self.tool_url, self.state = tool_url.rstrip("/"), PlatformState()
        self.private_pem, self.public_pem = new_key_pems()
        self.url = ""  # set once the server has a port
        self.client_id, self.deployment_id = CLIENT_ID, DEPLOYMENT_ID

    def registration(self) -> Registration:
        return (Registration().set_iss(self.url).set_client_id(self.client_id)
                .set_deployment_id(self.deployment_id).set_oidc_login_url(f"{self.tool_url}/lti/login")
                .set_launch_url(f"{self.tool_url}/lti/launch").set_deeplink_launch_url(f"{self.tool_url}/lti/launch")
                .set_tool_key_set_url(f"{self.tool_url}/lti/jwks.json")
                .set_platform_private_key(self.private_pem).set_platform_public_key(self.public_pem))

    def config(self) -> LTI1P3PlatformConfAbstract:
        platform = self

        class Config(LTI1P3PlatformConfAbstract):
            def init_platform_config(self, **kwargs):
                pass

            def get_registration_by_params(self, **kwargs):
                return platform.registration()

        conf = Config()
        conf.get_registration()
        return conf

    def start_url(self, sub: str, **settings) -> str:
        """Where a browser starts a launch: `deep_link=True`, `module=…`, `lineitem=…`, `target=window`."""
        hint = uuid.uuid4().hex
        self.state.hints[hint] = {"sub": sub, **settings}
        return f"{self.url}/start/{hint}"

    def sign(self, claims: dict) -> str:
        """Sign claims with the platform's key, through the library (for the tests' altered launches)."""
        return self.registration().platform_encode_and_sign(dict(claims), expiration=300)


def _to_flask(response):
    result = response.result
    if isinstance(result, dict) and "content" in result and "has_next" in result:
        result = result["content"]  # a page of line items: AGS answers a JSON array
    body = json.dumps(result) if result is not None else ""
    return make_response(body, response.code, {"Content-Type": response.media_type})


def build_app(platform: Platform) -> Flask:  # noqa: C901 - one closure per endpoint
    app, state = Flask("lti-test-platform"), platform.state

    class Login(OIDCLoginAbstract):
        def set_lti_message_hint(self, **kwargs):
            self._lti_message_hint = kwargs["hint"]

        def get_redirect(self, url):
            return redirect(url)

    class Launch(LTIAdvantageMessageLaunchAbstract):
        def render_launch_form(self, launch_data, **kwargs):
            return jsonify(launch_data)  # a browser would auto-post this form; the tests post it themselves

        def prepare_launch(self, preflight_response):
            settings = state.hints[preflight_response["lti_message_hint"]]
            user = state.users[preflight_response["login_hint"]]
            self.set_user_data(settings["sub"], user["roles"], user["name"], user.get("email"))
            self.set_launch_context_claim("course-1", context_title="Digital sex crimes, spring intake")
            self.set_nrps(f"{platform.url}/memberships")
            if settings.get("target"):
                self.set_launch_presentation_claim(document_target=settings["target"])
            if settings.get("deep_link"):
                self.set_dl(f"{platform.url}/deep-link-return", title="Dignity")
                return
            link = settings.get("link", "link-1")
            self.set_resource_link_claim(link)
            if settings.get("module"):
                self.set_custom_parameters_claim({"module": settings["module"]})
            lineitem = settings.get("lineitem")
            self.set_ags(f"{platform.url}/lineitems", f"{platform.url}/lineitems/{lineitem}" if lineitem else None)

    @app.get("/start/<hint>")
    def start(hint):
        login = Login(FlaskRequest(request), platform.config())
        login.set_lti_message_hint(hint=hint)
        return login.initiate_login(state.hints[hint]["sub"])

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():
        return Launch(FlaskRequest(request), platform.config()).lti_launch()

    @app.get("/jwks")
    def jwks():
        return jsonify(platform.config().get_jwks())

    @app.post("/token")
    def token():
        try:
            return jsonify(platform.config().get_access_token(request.form.to_dict()))
        except Exception as error:  # noqa: BLE001 - any refusal is a 400 for the tool
            return jsonify({"error": "invalid_client", "detail": str(error)}), 400

    class Grades(AssignmentsGradesService):
        def find_lineitems(self, **kwargs):
            return {"content": list(state.lineitems.values()), "has_next": False, "next": None}

        def find_lineitem(self, line_item_id):
            return state.lineitems[line_item_id]

        def create_lineitem(self, creation_data):
            return _new_lineitem(platform, creation_data)

        def update_lineitem(self, update_data):
            state.lineitems[update_data["id"]].update(update_data)
            return state.lineitems[update_data["id"]]

        def delete_lineitem(self, line_item_id):
            state.lineitems.pop(line_item_id, None)

        def update_score(self, line_item_id, score):
            state.scores.setdefault(line_item_id, {})[score["userId"]] = score
            return UpdateScoreStatus.SUCCESS

        def get_results(self, line_item_id, **kwargs):
            return {"content": list(state.scores.get(line_item_id, {}).values()), "has_next": False}

    def grades(lineitem=None):
        return Grades(FlaskRequest(request), platform.config(), f"{platform.url}/lineitems",
                      f"{platform.url}/lineitems/{lineitem}" if lineitem else None)

    @app.route("/lineitems", methods=["GET", "POST"])
    def lineitems():
        service = grades()
        handler = service.handle_get_lineitems if request.method == "GET" else service.handle_create_lineitem
        return _to_flask(service.handle_resp(handler))

    @app.post("/lineitems/<lineitem>/scores")
    def scores(lineitem):
        if state.down:
            return "The gradebook is down for maintenance", 503
        service = grades(lineitem)
        return _to_flask(service.handle_resp(service.handle_update_score, line_item_id=lineitem))

    class Roster(NamesRoleProvisioningService):
        def get_member_data_page(self, **kwargs):
            members = [{"user_id": sub, "roles": u["roles"], "name": u["name"], "email": u.get("email"),
                        "status": u.get("status", "Active")} for sub, u in state.users.items()]
            return {"content": members, "has_next": False}

        def get_context_by_id(self):
            return Context(id="course-1", label="DSC", title="Digital sex crimes, spring intake")

    @app.get("/memberships")
    def memberships():
        service = Roster(FlaskRequest(request), platform.config(), f"{platform.url}/memberships")
        return _to_flask(service.handle_resp(service.handle_get_members))

    @app.post("/deep-link-return")
    def deep_link_return():
        items = platform.config().validate_deeplinking_resp({"JWT": request.form["JWT"]})
        for item in items:
            if item.get("lineItem"):
                item["lineItemId"] = _new_lineitem(platform, item["lineItem"])["id"].rsplit("/", 1)[-1]
            state.placed.append(item)
        return f"Placed {len(items)} item(s)."

    return app


def _new_lineitem(platform: Platform, data: dict) -> dict:
    key = uuid.uuid4().hex[:12]
    item = {**data, "id": f"{platform.url}/lineitems/{key}"}
    platform.state.lineitems[key] = item
    return item


class RunningPlatform:
    """The platform served on 127.0.0.1 in a thread; `stop()` shuts it down."""

    def __init__(self, tool_url: str):
        self.platform = Platform(tool_url)
        self.server = make_server("127.0.0.1", 0, build_app(self.platform), threaded=True)
        self.platform.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
