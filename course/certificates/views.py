"""The trainee's certificates and downloads, renewal, and public verification with the issuer's keys."""

from __future__ import annotations

import io
import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from course.certificates.access import can_view_certificate, record_download
from course.certificates.credentials import (
    CONTEXT,
    achievement,
    build_credential,
    issuer_id,
    issuer_profile,
    key_url,
    public_base_url,
    readable_copy,
    sign_credential,
    verify_url,
)
from course.certificates.forms import CREDENTIAL_MAX_BYTES, CredentialForm
from course.certificates.keys import key_store, public_jwk
from course.certificates.serials import SerialError, normalise_serial
from course.certificates.services import find_certificate, fresh_passes
from course.certificates.status_list import (
    TTL_SECONDS,
    credential_status,
    encode_bits,
    last_changed_at,
    list_etag,
    list_exists,
    revoked_indexes,
    status_entry,
    status_list_credential,
)
from course.certificates.verification import check_credential
from course.core.catalogue import load_live_version, version_by_hash
from course.core.records import certificate_history, latest_certificate
from course.core.settings import academy_name
from course.database import writes_on_get
from course.extensions import csrf, db, limiter
from course.models import Certificate, utcnow

bp = Blueprint("certificates", __name__)

# One budget per address for every way of asking about a certificate, so serials cannot be enumerated.
verify_limit = limiter.shared_limit(
    lambda: current_app.config["VERIFY_RATE_LIMIT"], scope="verify",
    error_message="Too many certificate checks from your address. Please wait a minute and try again.")


def viewable_certificate(serial: str) -> Certificate:
    """The certificate if the current user may see it; 404 otherwise (its existence is not disclosed)."""
    try:
        certificate = find_certificate(db.session, serial)
    except SerialError:
        abort(404)
    if certificate is None or not can_view_certificate(db.session, current_user, certificate):
        abort(404)
    return certificate


def _attachment(data: bytes, mimetype: str, filename: str):
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/certificates")
@login_required
def mine():
    """The trainee's certificate history, newest first, with any renewal notice."""
    certificates = certificate_history(db.session, current_user)
    version = load_live_version(db.session)
    return render_template("certificates/mine.html", certificates=certificates, now=utcnow(),
                           renew_by_exam=bool(version and version.exam_settings))


@bp.get("/certificates/renewal")
@login_required
def renewal():
    """What the trainee still has to pass to renew their latest certificate."""
    certificate = latest_certificate(db.session, current_user)
    version = load_live_version(db.session)
    if certificate is None or certificate.renewal_due_at is None or version is None:
        return redirect(url_for("certificates.mine"))
    passes = fresh_passes(db.session, current_user, certificate.renewal_due_at, [m.slug for m in version.modules])
    return render_template("certificates/renewal.html", certificate=certificate, modules=version.modules,
                           passes=passes, now=utcnow(), renew_by_exam=bool(version.exam_settings))


@bp.get("/certificates/<serial>")
@login_required
def detail(serial: str):
    """One certificate, for its owner or an admin, with its downloads."""
    certificate = viewable_certificate(serial)
    return render_template("certificates/detail.html", certificate=certificate, now=utcnow(),
                           verify_link=verify_url(public_base_url(), certificate.serial))


@bp.get("/certificates/<serial>/certificate.pdf")
@writes_on_get
@login_required
def download_pdf(serial: str):
    """The certificate as a one-page PDF."""
    # Imported here, not above: fpdf and fontTools (~25 MB) load only in a worker that makes a PDF.
    from course.certificates.pdf import render_certificate_pdf
    from course.memory import release_memory

    certificate = viewable_certificate(serial)
    data = render_certificate_pdf(certificate, verify_url(public_base_url(), certificate.serial), utcnow())
    release_memory()
    record_download(db.session, current_user, certificate, "pdf")
    return _attachment(data, "application/pdf", f"certificate-{certificate.serial}.pdf")


@bp.get("/certificates/<serial>/credential.<any(jwt, json):file_format>")
@writes_on_get
@login_required
def download_credential(serial: str, file_format: str):
    """The signed Open Badges credential (.jwt), or its unsigned readable copy (.json); none once revoked."""
    certificate = viewable_certificate(serial)
    if certificate.revoked_at is not None:  # the page says revoked; no file that could pass for valid
        return render_template("certificates/detail.html", certificate=certificate, now=utcnow(),
                               verify_link=verify_url(public_base_url(), certificate.serial)), 410
    base_url = public_base_url()
    status = credential_status(base_url, status_entry(db.session, certificate))
    credential = build_credential(certificate, base_url, status)
    record_download(db.session, current_user, certificate, file_format)
    if file_format == "jwt":
        token = sign_credential(credential, key_store().signing_key())
        return _attachment(token.encode(), "application/jwt", f"credential-{certificate.serial}.jwt")
    document = json.dumps(readable_copy(credential), ensure_ascii=False, indent=2)
    return _attachment(document.encode(), "application/json", f"credential-{certificate.serial}.json")


@bp.get("/certificates/<serial>/refresh")
@login_required
def refresh(serial: str):
    """The credential's refresh service: the holder's current credential, the renewal's once renewed."""
    certificate = viewable_certificate(serial)
    while certificate.superseded_by is not None:
        certificate = certificate.superseded_by
    return redirect(url_for("certificates.download_credential", serial=certificate.serial, file_format="jwt"))


@bp.get("/verify")
@verify_limit
def verify_form():
    """The public verify page; a typed serial redirects to its canonical URL."""
    typed = request.args.get("serial", "").strip()
    if not typed:
        return render_template("certificates/verify.html", typed="", credential_form=CredentialForm())
    try:
        return redirect(url_for("certificates.verify", serial=normalise_serial(typed)))
    except SerialError as exc:
        return render_template("certificates/verify.html", error=str(exc), typed=typed,
                               credential_form=CredentialForm()), 400


@bp.post("/verify")
@csrf.exempt
@verify_limit
def verify_credential():
    """Check an uploaded or pasted credential and explain the result in words."""
    request.max_content_length = 2 * CREDENTIAL_MAX_BYTES  # refuse big bodies before parsing them
    try:
        form = CredentialForm()
        text = form.presented_text() if form.validate() else None
    except RequestEntityTooLarge:
        form, text = CredentialForm(formdata=None), None
        form.form_errors.append("The upload is larger than 64 KB, so it is not a credential.")
    if text is None:
        return render_template("certificates/verify.html", typed="", credential_form=form), 400
    check = check_credential(db.session, text, key_store(), issuer_id(public_base_url()), utcnow())
    if request.accept_mimetypes.best == "application/json":
        return jsonify(valid=check.valid, signature_valid=check.signature_valid, problems=check.problems,
                       serial=check.certificate.serial if check.certificate else None)
    return render_template("certificates/credential_check.html", check=check, now=utcnow())


@bp.get("/verify/<serial>")
@verify_limit
def verify(serial: str):
    """The public status of one certificate."""
    try:
        canonical = normalise_serial(serial)
    except SerialError as exc:
        return render_template("certificates/verify.html", error=str(exc), typed=serial,
                               credential_form=CredentialForm()), 404
    if canonical != serial:
        return redirect(url_for("certificates.verify", serial=canonical), code=301)
    certificate = find_certificate(db.session, canonical)
    if certificate is None:
        error = ("No certificate with this serial exists. Check it against the certificate, "
                 "or ask the holder for the verification link.")
        return render_template("certificates/verify.html", error=error, typed=serial,
                               credential_form=CredentialForm()), 404
    return render_template("certificates/verify.html", certificate=certificate, now=utcnow(), typed=serial,
                           credential_form=CredentialForm())


def _public(response: Response, max_age: int) -> Response:
    response.cache_control.public, response.cache_control.max_age = True, max_age
    return response


@bp.get("/.well-known/jwks.json")
def jwks():
    """The issuer's public keys, current and retired, as a JSON Web Key Set; each kid is the key's URL."""
    return _public(jsonify(key_store().jwks(key_url(issuer_id(public_base_url()), ""))), 300)


@bp.get("/issuer/keys/<kid>")
def public_key(kid: str):
    """One public key as a JWK: what a credential's `kid` dereferences to."""
    key = key_store().public_keys().get(kid) or abort(404)
    response = jsonify(public_jwk(key, key_url(issuer_id(public_base_url()), kid)))
    response.mimetype = "application/jwk+json"
    return _public(response, 300)


@bp.get("/issuer")
def issuer():
    """The issuer's Open Badges profile."""
    profile = issuer_profile(public_base_url(), academy_name(db.session))
    return jsonify({"@context": CONTEXT, **profile})


@bp.get("/issuer/badge.svg")
def badge_image():
    """The image of the achievement and its credentials."""
    svg = render_template("certificates/badge.svg", academy=academy_name(db.session))
    return _public(Response(svg, mimetype="image/svg+xml"), 86400)


@bp.get("/achievements/<content_hash>")
def achievement_description(content_hash: str):
    """The achievement a content version certifies, with its criteria and objectives: the achievement's id."""
    version = version_by_hash(db.session, content_hash) or abort(404)
    modules = [{"slug": m.slug, "title": m.title} for m in version.modules]
    return _public(jsonify({"@context": CONTEXT, **achievement(version, modules, public_base_url(), None)}), 3600)


@bp.get("/status-lists/revocation/<int:number>")
def status_list(number: int):
    """A revocation list as a signed `BitstringStatusListCredential` (VC-JWT), built from the records now."""
    if not list_exists(db.session, number):
        abort(404)
    base_url, key = public_base_url(), key_store().signing_key()
    encoded = encode_bits(revoked_indexes(db.session, number))
    etag = list_etag(encoded, key.kid, base_url)
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        profile = issuer_profile(base_url, academy_name(db.session))
        valid_from = last_changed_at(db.session, number, utcnow()).strftime("%Y-%m-%dT%H:%M:%SZ")
        credential = status_list_credential(base_url, number, profile, encoded, valid_from)
        response = Response(sign_credential(credential, key), mimetype="application/vc+jwt")
    response.set_etag(etag)
    response.cache_control.must_revalidate = True
    return _public(response, TTL_SECONDS)
