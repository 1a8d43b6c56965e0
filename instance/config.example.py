# CMC Platform settings. Copy to instance/config.py (or set CMC_<NAME> in the environment; the environment
# wins over this file). `make run` writes a config.py with a random SECRET_KEY the first time.
#
# Order: built-in defaults, then instance/config.py, then CMC_* environment variables.

# Signs session cookies and CSRF tokens. Required outside tests; at least 32 characters.
# Generate one with: python3 -c "import secrets; print(secrets.token_urlsafe(48))"
# SECRET_KEY = "<paste the generated value here>"

# Database. Unset: SQLite at instance/cmc.db (WAL mode). Production: PostgreSQL through psycopg 3.
# DATABASE_URL = "postgresql://cmc@127.0.0.1:5432/cmc"

# The address people use to reach the platform; used in mailed links and as the allowed
# live-connection origin.
BASE_URL = "http://127.0.0.1:5000"

# Sites allowed to open a live (Socket.IO) connection, comma-separated. Unset: BASE_URL's origin
# (plus localhost when BASE_URL is 127.0.0.1). Never "*".
# ALLOWED_ORIGINS = "https://cmc.example.org"

# Mail. Unset MAIL_SERVER: messages are shown on the console (standard output of `make run`), never written
# to the log (the embedded default). Required when SECURE_COOKIES is on or LOG_FORMAT is "json".
# MAIL_SERVER = "smtp.example.org"
MAIL_PORT = 25
# MAIL_USERNAME = "cmc"
# MAIL_PASSWORD = "..."
MAIL_USE_TLS = False
MAIL_SENDER = "CMC Platform <no-reply@cmc.invalid>"

# Cookies only over HTTPS. Turn on in production behind TLS. The session cookie is then named
# __Host-cmc_session: browsers keep it for this exact host only (Path=/, no Domain, HTTPS only).
SECURE_COOKIES = False

# Sessions end after this many idle minutes, and in any case after this many hours.
SESSION_IDLE_MINUTES = 30
SESSION_ABSOLUTE_HOURS = 12

# Invitation links expire after this many hours.
INVITATION_HOURS = 72

# Failed sign-in throttling (Flask-Limiter notation), per client address and per account.
LOGIN_LIMIT_PER_ADDRESS = "30 per 5 minutes"
LOGIN_LIMIT_PER_ACCOUNT = "10 per 15 minutes"
# Where the limiter keeps its counters: memory:// for one process, redis://... when several share them.
RATELIMIT_STORAGE_URI = "memory://"

# Live connections. Unset message queue: one process. Several processes share Redis:
# SOCKETIO_MESSAGE_QUEUE = "redis://127.0.0.1:6379/0"
# The Redis pub/sub channel: give each deployment sharing one Redis its own.
SOCKETIO_CHANNEL = "cmc-socketio"
# Unset async mode: gevent in `cmc serve` (patched by gevent), threading elsewhere.
# SOCKETIO_ASYNC_MODE = "gevent"

# Uploads: the largest file accepted (MB), and where files are kept (unset: instance/uploads).
MAX_UPLOAD_MB = 50
# UPLOAD_DIR = "/srv/cmc/uploads"

# Text extraction for search (PDF, Word, Excel, PowerPoint, OpenDocument, text, CSV). Each file is read by a
# child process under these limits, never by the server itself; a file over one is stored without text
# (search finds it by title and description) and the uploader is told why.
# The most bytes one file may unpack to (zip parts read; each PDF stream).
EXTRACT_MAX_UNPACKED_MB = 100
# The most a zip part over 1 MB may be compressed (unpacked / packed size; office XML is 5 to 20).
EXTRACT_MAX_RATIO = 100
# The most parts a zip container may hold (a 500-slide presentation has about 2,000).
EXTRACT_MAX_ENTRIES = 10000
# Seconds one file may take (the child is killed then); also how long an upload waits for a free slot.
EXTRACT_TIMEOUT_SECONDS = 30
# Memory (address space) of the child, in MB.
EXTRACT_MAX_MEMORY_MB = 512
# Children at once for this instance folder, across all server processes: more uploads wait their turn.
EXTRACT_WORKERS = 2

# Behind a reverse proxy (nginx): how many proxies set X-Forwarded-For/-Proto, so that client addresses
# (rate limits, the audit trail) and https are seen right. 0 when the app faces clients directly.
PROXY_HOPS = 0

# Compress pages and API answers in the app (brotli or gzip, whichever the browser accepts). Static files are
# always served compressed and under content-hashed names cached for a year. Behind nginx, which compresses
# (deploy/nginx-cmc.conf), False spares the page workers the work.
COMPRESS_RESPONSES = True

# The CAP sender id of exported alerts (the originating party's code is appended).
CAP_SENDER = "cmc-platform"

# Log level of the cmc loggers.
LOG_LEVEL = "INFO"

# "text" (one readable line per record) or "json" (one JSON object per line: time, level, logger, message,
# and, inside a request, its method, path, client address and account; for a log collector). Every request
# gets a line on the cmc.request logger ("GET /networks 200 12 ms"; in JSON also "status" and
# "duration_ms"); static files and /healthz only at the DEBUG level.
LOG_FORMAT = "text"

# Interface languages offered (each account chooses one in settings; signed-out pages follow the browser or the
# switch in the header). Default: every language with a catalogue in platform/cmc/translations. Narrow it, for
# example, to English and Spanish:
# LANGUAGES = {"en": "English", "es": "Español"}

# The time zone of signed-out pages; a signed-in person sees their own (settings, or their browser's).
# BABEL_DEFAULT_TIMEZONE = "UTC"
