"""The trainee's certificates and the public verification page."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from course.certificates.serials import SerialError, normalise_serial
from course.certificates.services import find_certificate
from course.extensions import db
from course.models import Certificate, Role, utcnow

bp = Blueprint("certificates", __name__)


@bp.get("/certificates")
@login_required
def mine():
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.user_id == current_user.id).order_by(Certificate.sequence.desc())
    ).all()
    return render_template("certificates/mine.html", certificates=certificates, now=utcnow())


@bp.get("/certificates/<serial>")
@login_required
def detail(serial: str):
    try:
        certificate = find_certificate(db.session, serial)
    except SerialError:
        abort(404)
    if certificate is None or not (certificate.user_id == current_user.id or current_user.has_role(Role.ADMIN)):
        abort(404)
    return render_template("certificates/detail.html", certificate=certificate, now=utcnow())


@bp.get("/verify")
def verify_form():
    typed = request.args.get("serial", "").strip()
    if not typed:
        return render_template("certificates/verify.html", certificate=None, error=None, typed="")
    try:
        return redirect(url_for("certificates.verify", serial=normalise_serial(typed)))
    except SerialError as exc:
        return render_template("certificates/verify.html", certificate=None, error=str(exc), typed=typed), 400


@bp.get("/verify/<serial>")
def verify(serial: str):
    try:
        canonical = normalise_serial(serial)
    except SerialError as exc:
        return render_template("certificates/verify.html", certificate=None, error=str(exc), typed=serial), 404
    if canonical != serial:
        return redirect(url_for("certificates.verify", serial=canonical), code=301)
    certificate = find_certificate(db.session, canonical)
    if certificate is None:
        return render_template("certificates/verify.html", certificate=None, typed=serial,
                               error="No certificate with this serial exists. Check it against the certificate, "
                                     "or ask the holder for the verification link."), 404
    return render_template("certificates/verify.html", certificate=certificate, now=utcnow(), typed=serial,
                           error=None)
