"""The trainee's certificates and downloads, renewal, and public verification with the issuer's keys."""

from __future__ import annotations

import io
import json

from flask import (
    Blueprint,
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
    build_credential,
    credential_document,
    issuer_id,
    issuer_profile,
    public_base_url,
    sign_credential,
    verify_url,
)
from course.certificates.forms import CREDENTIAL_MAX_BYTES, CredentialForm
from course.certificates.keys import key_store
from course.certificates.pdf import render_certificate_pdf
from course.certificates.serials import SerialError, normalise_serial
from course.certificates.services import find_certificate, fresh_passes
from course.certificates.verification import check_credential
from course.core.catalogue import load_live_version
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
    return render_template("certificates/mine.html", certificates=certificates, now=utcnow())


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
                           passes=passes, now=utcnow())


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
    certificate = viewable_certificate(serial)
    data = render_certificate_pdf(certificate, verify_url(public_base_url(), certificate.serial), utcnow())
    record_download(db.session, current_user, certificate, "pdf")
    return _attachment(data, "application/pdf", f"certificate-{certificate.serial}.pdf")


@bp.get("/certificates/<serial>/credential.<any(jwt, json):file_format>")
@writes_on_get
@login_required
def download_credential(serial: str, file_format: str):
    """The signed Open Badges credential, as .jwt or .json."""
    certificate = viewable_certificate(serial)
    credential = build_credential(certificate, public_base_url())
    token = sign_credential(credential, key_store().signing_key())
    record_download(db.session, current_user, certificate, file_format)
    if file_format == "jwt":
        return _attachment(token.encode(), "application/jwt", f"credential-{certificate.serial}.jwt")
    document = json.dumps(credential_document(credential, token), ensure_ascii=False, indent=2)
    return _attachment(document.encode(), "application/json", f"credential-{certificate.serial}.json")


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


@bp.get("/.well-known/jwks.json")
def jwks():
    """The issuer's public keys, current and retired, as a JSON Web Key Set."""
    response = jsonify(key_store().jwks())
    response.cache_control.public, response.cache_control.max_age = True, 300
    return response


@bp.get("/issuer")
def issuer():
    """The issuer's Open Badges profile."""
    profile = issuer_profile(public_base_url(), academy_name(db.session))
    return jsonify({"@context": CONTEXT, **profile})
