"""Extensions, created unbound here and attached to the app in ``create_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from voice_app.database import Database

babel = Babel()
csrf = CSRFProtect()
db = Database()
# Memory storage by default; set VOICE_RATELIMIT_STORAGE_URL=redis://... with several workers.
limiter = Limiter(key_func=get_remote_address)
