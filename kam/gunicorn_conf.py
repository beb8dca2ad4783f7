"""gunicorn's settings for KAM's web role; `python -m kam.serve web` adds bind, workers, threads and
timeout from the environment (docs/deployment.md)."""

from pathlib import Path

# Access and error logs to standard output and error, for the service manager to keep.
accesslog = "-"
errorlog = "-"
# Address, time, method and path (never the query string: it may hold what someone searched for),
# status, bytes, milliseconds, user agent.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
# Seconds a worker finishes its requests in after SIGTERM before it is killed.
graceful_timeout = 30
# Workers' heartbeat files in memory: a container's disk may stall them past the timeout.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108
# No runtime control socket: it would be one more way in, in the service user's home folder.
control_socket_disable = True
