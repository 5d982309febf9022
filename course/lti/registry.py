"""The platforms an admin registered, as the LTI library's tool configuration (read from the database)."""

from __future__ import annotations

from pylti1p3.deployment import Deployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import select
from sqlalchemy.orm import Session

from course.lti.keys import tool_signing_key
from course.models import LtiPlatform


def find_platform(session: Session, issuer: str, client_id: str | None) -> LtiPlatform | None:
    """The active platform for `issuer` and `client_id`; without a client id, the issuer's only registration."""
    query = select(LtiPlatform).where(LtiPlatform.issuer == issuer, LtiPlatform.active.is_(True))
    if client_id:
        return session.scalar(query.where(LtiPlatform.client_id == client_id))
    found = session.scalars(query.limit(2)).all()
    return found[0] if len(found) == 1 else None


def registration_for(platform: LtiPlatform) -> Registration:
    """The library's registration of `platform`, signing with the tool's current key."""
    private_key, public_pem = tool_signing_key()
    return (Registration().set_issuer(platform.issuer).set_client_id(platform.client_id)
            .set_auth_login_url(platform.auth_login_url).set_auth_token_url(platform.auth_token_url)
            .set_key_set_url(platform.key_set_url).set_tool_private_key(private_key)
            .set_tool_public_key(public_pem))


class DatabaseToolConf(ToolConfAbstract):
    """Registrations and deployments from the `lti_platforms` table; one issuer may hold several client ids."""

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        self.platform: LtiPlatform | None = None  # the one the last lookup found

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def _lookup(self, iss: str, client_id: str | None) -> LtiPlatform | None:
        if self.platform is None or (self.platform.issuer, self.platform.client_id) != (iss, client_id or
                                                                                        self.platform.client_id):
            self.platform = find_platform(self.session, iss, client_id)
        return self.platform

    def find_registration_by_issuer(self, iss: str, *args, **kwargs) -> Registration | None:
        return self.find_registration_by_params(iss, None)

    def find_registration_by_params(self, iss: str, client_id: str | None, *args, **kwargs) -> Registration | None:
        platform = self._lookup(iss, client_id)
        return registration_for(platform) if platform else None

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss: str, deployment_id: str, client_id: str | None, *args,
                                  **kwargs) -> Deployment | None:
        platform = self._lookup(iss, client_id)
        if platform is None or deployment_id not in (platform.deployment_ids or []):
            return None
        return Deployment().set_deployment_id(deployment_id)
