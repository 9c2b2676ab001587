"""The Python side of the interop tests: a Celery app as a Company-on team would have it.

Broker, result backend and queue come from the environment the TypeScript test sets.
"""
import os

from celery import Celery

app = Celery(
    'tasks',
    broker=os.environ['CELERY_BROKER_URL'],
    backend=os.environ['CELERY_RESULT_BACKEND'],
)
app.conf.update(
    task_serializer='json',
    result_serializer='json',
    accept_content=['json'],
    result_extended=True,
    task_default_queue=os.environ.get('CELERY_QUEUE', 'celery'),
    task_acks_late=True,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
    # Heartbeats and events let `celery inspect` and `celery events` see this worker too.
    worker_send_task_events=True,
    task_send_sent_event=True,
)


@app.task(name='tasks.add')
def add(x, y):
    return x + y


@app.task(name='tasks.mul')
def mul(x, y):
    return x * y


@app.task(name='tasks.echo')
def echo(*args, **kwargs):
    return {'args': list(args), 'kwargs': kwargs}


@app.task(name='tasks.fail')
def fail(message):
    raise ValueError(message)


@app.task(name='tasks.now')
def now():
    import time
    return time.time()


@app.task(name='tasks.sleep')
def sleep(seconds):
    import time
    time.sleep(seconds)
    return seconds


# kombu's visibility timeout, when a test shortens it (the Redis crash tests); 3600 s otherwise.
if os.environ.get('CELERY_VISIBILITY_TIMEOUT'):
    app.conf.broker_transport_options = {'visibility_timeout': float(os.environ['CELERY_VISIBILITY_TIMEOUT'])}


# Tasks named ts.* run on Celeriac workers: when a test names their queue, Python routes them there
# (a chain that goes from Python to TypeScript and back needs both sides to know where each runs).
if os.environ.get('CELERY_TS_QUEUE'):
    app.conf.task_routes = {'ts.*': {'queue': os.environ['CELERY_TS_QUEUE']}}
