"""Celery workers for background work: `celery -A designer.worker.celery_app worker` / `beat`.

Set FLYTVERK_BROKER_URL (redis://...) for the web server and the workers alike. Beat (one
per installation) sends `flytverk.tick` every SCHEDULER_INTERVAL seconds and `flytverk.daily`
once a day; the web process sends `flytverk.run_job` after each commit that queued a
connector job. Every task ends in designer.worker.tick (row locks) or designer.worker.daily
(a lease), so any number of workers is safe and a message delivered twice does no harm.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from celery import Celery
from celery.schedules import crontab
from flask import Flask

from designer.extensions import db
from designer.worker import daily, tick

TICK = "flytverk.tick"
RUN_JOB = "flytverk.run_job"
DAILY = "flytverk.daily"
DAILY_AT = {"hour": 2, "minute": 15}  # UTC, a quiet hour
# A daily message delivered twice (or two beats) must not run the jobs twice in one day.
DAILY_AGAIN_AFTER = timedelta(hours=12)
# The web request has committed already: try the broker briefly, then leave it to the tick.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
PUBLISH_TIMEOUTS = {"socket_connect_timeout": 2, "socket_timeout": 5}

_apps: dict[int, Flask] = {}
_apps_lock = threading.Lock()
_producer_lock = threading.Lock()


def flask_app() -> Flask:
    """The worker's Flask app, built on first use in each process (pool children build theirs)."""
    pid = os.getpid()
    with _apps_lock:
        if pid not in _apps:
            from designer import create_app

            for inherited in _apps.values():  # a forked child must not use its parent's pool
                with inherited.app_context():
                    db.engine.dispose(close=False)
            _apps.clear()
            _apps[pid] = create_app()
        return _apps[pid]


def settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """Celery settings from the Flask config: Redis broker, JSON only, late acks, the beat."""
    broker = config.get("BROKER_URL")
    if not broker:
        raise RuntimeError("Set FLYTVERK_BROKER_URL (e.g. redis://127.0.0.1:6379/0) for Celery.")
    interval = float(config["SCHEDULER_INTERVAL"])
    return {
        "broker_url": broker,
        "broker_connection_retry_on_startup": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        # A message is acknowledged after its task ran, so a crashed worker's is delivered again.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_prefetch_multiplier": 1,
        "beat_schedule": {
            TICK: {
                "task": TICK,
                "schedule": interval,
                # A tick nobody took in time is superseded by the next one.
                "options": {"expires": interval},
            },
            DAILY: {"task": DAILY, "schedule": crontab(**DAILY_AT)},
        },
    }


celery = Celery("flytverk")
celery.add_defaults(lambda: settings(flask_app().config))


@celery.task(name=TICK)
def tick_task() -> int:
    """Fire due timers, run due connector jobs, send the outbox; return timers + jobs."""
    return tick.work_once(flask_app(), daily=False)  # beat sends the daily task itself


@celery.task(name=DAILY)
def daily_task() -> list[str]:
    """Run the daily jobs (retention, digest) this worker wins the lease of."""
    return daily.run_daily(flask_app(), every=DAILY_AGAIN_AFTER)


@celery.task(name=RUN_JOB)
def run_job(job_id: int) -> bool:
    """Run one connector job if it is still due; False when another worker had it."""
    return tick.run_job(flask_app(), job_id)


def producer_of(app: Flask) -> Celery:
    """A Celery client for sending tasks from `app` (the web process or a worker)."""
    with _producer_lock:
        producer = app.extensions.get("flytverk_celery")
        if producer is None:
            producer = Celery("flytverk-producer", set_as_current=False)
            producer.conf.update(settings(app.config))
            producer.conf.broker_transport_options = dict(PUBLISH_TIMEOUTS)
            app.extensions["flytverk_celery"] = producer
    return producer  # type: ignore[no-any-return]


def dispatch(app: Flask, job_id: int) -> None:
    """Send `flytverk.run_job` for a committed job; a broker that is down is only logged."""
    try:
        producer_of(app).send_task(RUN_JOB, args=[job_id], retry_policy=PUBLISH_RETRY)
    except Exception:  # noqa: BLE001 - the job is in the database; the next tick runs it
        app.logger.exception("could not send job %s to the broker; the next tick runs it", job_id)
