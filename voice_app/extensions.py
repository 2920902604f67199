"""Extensions, created unbound here and attached to the app in ``create_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from voice_app.database import Database

babel = Babel()
csrf = CSRFProtect()
db = Database()
# Memory storage counts per worker process: a deployment with several workers or servers
# sets VOICE_RATELIMIT_STORAGE_URL=redis://... (and VOICE_RATELIMIT_KEY_PREFIX) to share
# one count. Settings come from the app's RATELIMIT_* config at init_app.
limiter = Limiter(key_func=get_remote_address)
