"""Scrapy settings for every auditor crawl: polite by default, capped downloads, facts into the store."""

import os

BOT_NAME = "gov-openness-auditor"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

USER_AGENT = "gov-openness-auditor/0.1 (+https://github.com/; 政务公开第三方评估)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.0
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 8.0

DOWNLOAD_TIMEOUT = 15  # the 国办 availability threshold: a page that takes longer counts as unreachable
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]

# Crawled content is hostile: cap what we download (detail pages and lists are small; PDFs can be big).
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "WARNING"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

ITEM_PIPELINES = {"auditor.harvest.pipelines.StorePipeline": 300}
# The pipeline is synchronous: Scrapy's default of 100 concurrent items only costs 100 asyncio tasks
# for every response (its parallel output worker pool), whatever the page yields.
CONCURRENT_ITEMS = 8
LOG_FORMATTER = "auditor.harvest.logformat.QuietLogFormatter"  # no record per scraped item below DEBUG
SPIDER_MIDDLEWARES = {"scrapy.spidermiddlewares.depth.DepthMiddleware": None}  # depth is never used
WARN_ON_GENERATOR_RETURN_VALUE = False  # its check re-parses callback source per request (bound methods miss its cache)

# Retries back off exponentially (0.5 s, 1 s, 2 s … ≤ 30 s; Retry-After honoured); 429 is retried too,
# and recorded as "blocked" once the retries are spent.
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 0.5
RETRY_BACKOFF_MAX = 30.0
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "auditor.harvest.middlewares.ConditionalAutoThrottle": 0,
}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "auditor.harvest.middlewares.PolitenessMiddleware": 120,  # after robots.txt (100): Crawl-delay is known
    "auditor.harvest.middlewares.BackoffRetryMiddleware": 550,
    "auditor.harvest.replay.ReplayMiddleware": 950,  # `--replay HOST=PATH`: answer HOST from a saved copy
}

# Harvest behaviour (issue 4)
AUDITOR_INCREMENTAL = True  # conditional requests from stored validators; 304 keeps the stored item
AUDITOR_RESUME = False  # set by `resume_crawl`: skip detail pages this run already stored
AUDITOR_PROBES = 3  # reachability probes of each site's home page per crawl run
AUDITOR_COMMIT_EVERY = 300
AUDITOR_SNAPSHOT_MAXSIZE = 2 * 1024 * 1024  # bytes of a page kept as evidence (the rest is cut, flagged)
AUDITOR_SNAPSHOT_LEVEL = 6  # zlib level
AUDITOR_SNAPSHOT_KEEP_RUNS = 5  # retention: fetch records of the last N runs (+ latest snapshot of each URL)
AUDITOR_ROBOTS_IGNORE = "{}"  # JSON site id -> reason, from the registry's `robots: ignore`
AUDITOR_DISTRIBUTED = ""  # redis://host:port/db → scrapy-redis scheduler + dupefilter shared by processes
AUDITOR_EXTRACT_WORKERS = 0  # >0: detail extraction in that many worker processes (frees the reactor)
AUDITOR_REPLAY = "[]"  # JSON [{host, path}]: hosts answered from a saved copy (HTTrack/wget folder or WARC)
AUDITOR_SCOPE_EXTRA = "[]"  # JSON host names to treat as in scope beyond the registry's (tests, replays)

# Politeness as a budget (issue 17): requests per second per host (a site's registry `rate:` overrides it),
# never faster than robots.txt Crawl-delay; `budget:` (or AUDITOR_SITE_BUDGET) caps a site's requests per
# night, the rest is carried to the next night. $AUDITOR_HOST_RATE lets tests and the loopback sample run fast.
AUDITOR_HOST_RATE = float(os.environ.get("AUDITOR_HOST_RATE", "1.0"))
AUDITOR_SITE_BUDGET = int(os.environ.get("AUDITOR_SITE_BUDGET", "0"))  # 0: no cap
AUDITOR_SITE_POLICY = "{}"  # JSON site id -> {rate, budget, hosts}: the registry's per-site overrides
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"  # many hosts: feed the idle ones

# List-driven re-crawls (issue 17): a column read whole before is paged only until a list page holds
# nothing new; known details are not asked for again, except a rotating share revalidated each night
# (every known page once in AUDITOR_REVALIDATE_DAYS nights; 1 = every night).
AUDITOR_LIST_DRIVEN = True
AUDITOR_REVALIDATE_DAYS = 30
AUDITOR_DAY = 0  # day number of the rotation (0: today's date ordinal); tests and benchmarks pin it
