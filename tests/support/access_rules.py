"""Who may use every endpoint: one line each. Adding a route means adding its line here.

Written by hand from the product's rules (README "Who uses it"), not read from the
decorators, so a view that loses or changes its check fails tests/web/test_access_matrix.py.

- ``PUBLIC``: anyone, signed in or not.
- ``journey()``: a browser that joined a session; anyone else goes back to the start page.
- ``staff(roles...)``: staff with one of the roles; visitors go to sign in, other staff
  get 403. ``own_session_only``: a facilitator only for the session they set up (not for
  a colleague's session in the same area). ``own_area_only``: a safeguarding lead only
  for sessions in their areas.
- ``API_TOKEN``: a program with an API client's token; anyone else gets 401.
The numbers are what an allowed GET answers when it is not 200.
"""

from __future__ import annotations

from tests.support.access_matrix import API_TOKEN, JOURNEY, PUBLIC, Access, journey, public, staff
from voice_app.models import Role

ADMIN = Role.ADMIN
ADVISOR = Role.ADVISOR
FACILITATOR = Role.FACILITATOR
LEAD = Role.SAFEGUARDING_LEAD
RESEARCHER = Role.RESEARCHER
OWN_SESSION = {"own_session_only": True}
OWN_AREA = {"own_area_only": True}

ACCESS: dict[str, Access] = {
    # system, static files and the API's description
    "static": PUBLIC,
    "system.healthz": PUBLIC,
    "api.openapi": PUBLIC,
    # the participant's way in
    "participant.welcome": PUBLIC,
    "participant.join": public(ends_visit=True),
    "participant.bind_kiosk": public(
        302, ends_visit=True
    ),  # binds the tablet, then to the start page
    "participant.start": public(ends_visit=True),
    "participant.next_person": public(ends_visit=True),
    "participant.thanks": PUBLIC,  # shows nothing of anyone's answers
    "participant.worried": PUBLIC,  # the help page, for anyone at any time
    # the journey
    "participant.language": JOURNEY,
    "participant.who": JOURNEY,
    "participant.about": JOURNEY,
    "participant.question": JOURNEY,
    "participant.resume": journey(302),  # to the first unanswered question
    "participant.stop": journey(ends_visit=True),
    "participant.talk": journey(ends_visit=True),
    "participant.audio": journey(own_session_audio=True),
    # staff sign-in
    "auth.login": public(
        200, 302, ends_visit=True
    ),  # signed-in staff are sent on to their home page
    # The second step of sign-in, for someone whose password was just right; anyone else
    # starts again at /staff/login.
    "auth.two_factor_enrol": public(302),
    "auth.two_factor_continue": public(302),
    "auth.two_factor_code": public(302),
    "auth.two_factor_recovery": public(302),
    "auth.new_password": public(302),
    "auth.logout": staff(ends_visit=True),
    "auth.home": staff(),
    # administration
    "admin.users": staff(ADMIN),
    "admin.audit": staff(ADMIN),
    "admin.audit_csv": staff(ADMIN),
    "admin.api_clients": staff(ADMIN),
    "admin.revoke_api_client": staff(ADMIN),
    # the API
    "api.frameworks": API_TOKEN,
    "api.priorities": API_TOKEN,
    # group sessions
    "facilitator.sessions": staff(FACILITATOR),
    "facilitator.new_session": staff(FACILITATOR),
    "facilitator.session": staff(FACILITATOR, **OWN_SESSION),
    "facilitator.edit_session": staff(FACILITATOR, get=302, **OWN_SESSION),  # A is open
    "facilitator.open_session": staff(FACILITATOR, **OWN_SESSION),
    "facilitator.close_session": staff(FACILITATOR, **OWN_SESSION),
    "facilitator.counts_csv": staff(FACILITATOR, **OWN_SESSION),
    "facilitator.flag_action": staff(FACILITATOR, **OWN_SESSION),
    "facilitator.live": staff(FACILITATOR, **OWN_SESSION),
    "facilitator.live_json": staff(FACILITATOR, **OWN_SESSION),
    "facilitator.paper_start": staff(FACILITATOR, **OWN_SESSION),
    "facilitator.paper_form": staff(FACILITATOR, **OWN_SESSION),
    "facilitator.projector": staff(FACILITATOR, **OWN_SESSION),
    "facilitator.projector_data": staff(FACILITATOR, **OWN_SESSION),
    "facilitator.sheet": staff(FACILITATOR, **OWN_SESSION),
    "facilitator.add_tablet": staff(FACILITATOR, **OWN_SESSION),
    "facilitator.revoke_tablet": staff(FACILITATOR, **OWN_SESSION),
    "facilitator.withdraw": staff(FACILITATOR, RESEARCHER),
    # safeguarding
    "safeguarding.flags": staff(LEAD),
    "safeguarding.flag": staff(LEAD, **OWN_AREA),
    "safeguarding.resolve": staff(LEAD, **OWN_AREA),
    # research
    "research.export_file": staff(RESEARCHER),
    "research.languages": staff(ADMIN, FACILITATOR, RESEARCHER),
    "research.priorities": staff(RESEARCHER),
    "research.safeguarding_terms": staff(RESEARCHER),
    "research.remove_safeguarding_term": staff(RESEARCHER),
    # the co-design studio
    "codesign.bank_list": staff(ADVISOR, RESEARCHER),
    "codesign.new_question": staff(ADVISOR, RESEARCHER),
    "codesign.version": staff(ADVISOR, RESEARCHER),
    "codesign.edit": staff(ADVISOR, RESEARCHER),
    "codesign.translate": staff(ADVISOR, RESEARCHER),
    "codesign.preview": staff(ADVISOR, RESEARCHER),
    "codesign.propose": staff(ADVISOR, RESEARCHER),
    "codesign.new_version": staff(ADVISOR, RESEARCHER),
    "codesign.comment": staff(ADVISOR, RESEARCHER),
    "codesign.audio": staff(ADVISOR, RESEARCHER),
    "codesign.play_audio": staff(ADVISOR, RESEARCHER),
    "codesign.vote": staff(ADVISOR),
    "codesign.approve": staff(RESEARCHER),
    "codesign.send_back": staff(RESEARCHER),
    "codesign.retire": staff(RESEARCHER),
    "codesign.flows": staff(RESEARCHER),
    "codesign.flow": staff(RESEARCHER),
    "codesign.add_flow_item": staff(RESEARCHER),
    "codesign.change_flow_item": staff(RESEARCHER),
    "codesign.publish_flow": staff(RESEARCHER),
    "codesign.copy_flow": staff(RESEARCHER),
    "codesign.flow_preview": staff(RESEARCHER),
}
